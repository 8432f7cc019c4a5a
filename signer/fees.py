"""Virtual size of the finished transaction, estimated before it is signed.

Each input's final scriptSig and witness are sized from its script: a multisig input gets
M signatures (the ones already in the PSBT at their real size, each missing one at 73 bytes,
the largest DER signature plus its sighash byte) and the full multisig script. The estimate
is therefore an upper bound, at most about one byte per missing signature too high.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from embit import compact
from embit.psbt import InputScope
from embit.script import Script
from embit.transaction import Transaction

from signer.scripts import ScriptType

MAX_ECDSA_SIG = 73  # 72-byte DER (high R) + sighash byte; our own low-R ones are 71 + 1
SCHNORR_SIG = 64  # plus one byte when the sighash is not DEFAULT
COMPRESSED_PUBKEY = 33
P2WSH_PROGRAM_PUSH = 35  # push(0x22 bytes: OP_0 <32 bytes>) in a P2SH-P2WSH scriptSig
P2WPKH_PROGRAM_PUSH = 23  # push(0x16 bytes: OP_0 <20 bytes>)


@dataclass(frozen=True)
class InputSize:
    """Final sizes of one input's scriptSig (without its length prefix) and witness."""

    script_sig: int
    witness: int  # serialised witness stack incl. the item count; 0 for a legacy input
    segwit: bool


def _push_size(length: int) -> int:
    """Bytes taken by pushing `length` bytes in a script (opcode/prefix + data)."""
    if length < 0x4C:
        return 1 + length
    if length <= 0xFF:
        return 2 + length
    return 3 + length


def _witness_size(items: Sequence[int]) -> int:
    return len(compact.to_bytes(len(items))) + sum(
        len(compact.to_bytes(item)) + item for item in items
    )


def multisig_threshold(script: Script) -> int | None:
    """M of an `OP_M <keys> OP_N OP_CHECKMULTISIG` script, None for anything else."""
    data = script.data
    if len(data) < 3 or data[-1] != 0xAE or not 0x51 <= data[0] <= 0x60:
        return None
    return data[0] - 0x50


def multisig_input(script_type: ScriptType, threshold: int, multisig_script: bytes,
                   present_sigs: Sequence[int]) -> InputSize:
    """A multisig input with `threshold` signatures; present_sigs are real lengths."""
    sigs = list(present_sigs[:threshold])
    sigs += [MAX_ECDSA_SIG] * (threshold - len(sigs))
    if script_type is ScriptType.P2SH:
        script_sig = 1 + sum(_push_size(s) for s in sigs) + _push_size(len(multisig_script))
        return InputSize(script_sig, 0, False)
    witness = _witness_size([0, *sigs, len(multisig_script)])  # leading empty item: CHECKMULTISIG
    script_sig = P2WSH_PROGRAM_PUSH if script_type is ScriptType.P2SH_P2WSH else 0
    return InputSize(script_sig, witness, True)


def miniscript_input(script_length: int, signatures: int, keys: int) -> InputSize:
    """A P2WSH miniscript input, at most: the most signatures any spending path needs, an
    empty push for every other key (dissatisfactions, branch choices), and the script."""
    items = [MAX_ECDSA_SIG] * signatures + [0] * max(keys - signatures, 0) + [0, script_length]
    return InputSize(0, _witness_size(items), True)


def tapscript_input(script_length: int, control_block: int, signatures: int,
                    keys: int) -> InputSize:
    """A taproot script-path input, at most: 64-byte signatures (65 with a sighash byte:
    counted so), an empty item per other key, the leaf script and its control block."""
    items = ([SCHNORR_SIG + 1] * signatures + [0] * max(keys - signatures, 0)
             + [script_length, control_block])
    return InputSize(0, _witness_size(items), True)


def single_sig_input(script_type: ScriptType, sighash_byte: bool = False) -> InputSize:
    if script_type is ScriptType.P2TR:
        return InputSize(0, _witness_size([SCHNORR_SIG + int(sighash_byte)]), True)
    if script_type is ScriptType.P2PKH:
        return InputSize(_push_size(MAX_ECDSA_SIG) + _push_size(COMPRESSED_PUBKEY), 0, False)
    witness = _witness_size([MAX_ECDSA_SIG, COMPRESSED_PUBKEY])
    script_sig = P2WPKH_PROGRAM_PUSH if script_type is ScriptType.P2SH_P2WPKH else 0
    return InputSize(script_sig, witness, True)


def psbt_input_size(inp: InputScope, script_pubkey: Script | None) -> InputSize:
    """Best estimate for an input we do not know the wallet of, from what the PSBT says."""
    if inp.final_scriptsig is not None or inp.final_scriptwitness is not None:
        script_sig = len(inp.final_scriptsig.data) if inp.final_scriptsig is not None else 0
        witness = inp.final_scriptwitness
        witness_size = len(witness.serialize()) if witness is not None else 0
        return InputSize(script_sig, witness_size, witness is not None)
    present = [len(sig) for sig in inp.partial_sigs.values()]
    for script_type, multisig in (
        (ScriptType.P2SH_P2WSH if inp.redeem_script else ScriptType.P2WSH, inp.witness_script),
        (ScriptType.P2SH, inp.redeem_script),
    ):
        threshold = multisig_threshold(multisig) if multisig is not None else None
        if threshold is not None and multisig is not None:
            return multisig_input(script_type, threshold, multisig.data, present)
    kind = script_pubkey.script_type() if script_pubkey is not None else None
    if kind == "p2sh" and inp.redeem_script is not None:
        kind = "p2sh-p2wpkh" if inp.redeem_script.script_type() == "p2wpkh" else None
    by_kind = {"p2tr": ScriptType.P2TR, "p2wpkh": ScriptType.P2WPKH, "p2pkh": ScriptType.P2PKH,
               "p2sh-p2wpkh": ScriptType.P2SH_P2WPKH}
    if kind in by_kind:
        return single_sig_input(by_kind[kind])
    # Unknown script: count it as a bare segwit input; the docs say the rate is then a floor.
    return InputSize(0, 1, True)


def estimate_vsize(tx: Transaction, inputs: Sequence[InputSize]) -> int:
    """vbytes of tx once every input carries the given scriptSig and witness."""
    base = 4 + 4 + len(compact.to_bytes(len(tx.vin))) + len(compact.to_bytes(len(tx.vout)))
    base += sum(len(out.serialize()) for out in tx.vout)
    base += sum(36 + 4 + len(compact.to_bytes(size.script_sig)) + size.script_sig
                for size in inputs)
    weight = 4 * base
    if any(size.segwit for size in inputs):
        weight += 2  # marker and flag
        weight += sum(size.witness if size.segwit else 1 for size in inputs)  # 1: empty stack
    return (weight + 3) // 4
