"""Sighash rules and digests: the one place that decides which sighash types airsign signs
with and what each signature commits to. Review and signing both use it.

The digests are computed here from the BIPs (the original algorithm, BIP-143, BIP-341) over
the transaction `signer.psbt.unsigned_transaction` builds, not with embit's helpers: embit's
legacy SIGHASH_SINGLE blanks earlier outputs with the wrong value and its BIP-341 SINGLE and
ANYONECANPAY digests hash the wrong fields, so a signature made with them would not be valid
for the transaction on screen.
"""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from embit import compact
from embit.base import EmbitError
from embit.ec import PublicKey, SchnorrSig, Signature
from embit.script import Script
from embit.transaction import Transaction, TransactionOutput

from signer.errors import AirsignError, SigningRefused

DEFAULT, ALL, NONE, SINGLE, ANYONECANPAY = 0x00, 0x01, 0x02, 0x03, 0x80
_BASE_NAMES = {DEFAULT: "DEFAULT", ALL: "ALL", NONE: "NONE", SINGLE: "SINGLE"}
# The types Bitcoin Core relays (IsDefinedHashtypeSignature) and BIP-341 allows.
ECDSA_TYPES = frozenset({ALL, NONE, SINGLE, ALL | ANYONECANPAY, NONE | ANYONECANPAY,
                         SINGLE | ANYONECANPAY})
TAPROOT_TYPES = ECDSA_TYPES | {DEFAULT}
SAFE_TYPES = frozenset({DEFAULT, ALL})  # commit to every input and output


class Algorithm(StrEnum):
    """Which digest a signature for a spent script is made over."""

    LEGACY = "legacy"  # pre-segwit: commits to no amount
    SEGWIT_V0 = "segwit-v0"  # BIP-143: commits to this input's amount
    TAPROOT = "taproot"  # BIP-341: commits to every input's amount and script


def algorithm(spent_script: Script, redeem_script: Script | None = None) -> Algorithm:
    """The digest algorithm for spending `spent_script` (its redeem script for P2SH)."""
    kind = spent_script.script_type()
    if kind == "p2tr":
        return Algorithm.TAPROOT
    program = redeem_script if kind == "p2sh" and redeem_script is not None else spent_script
    if program.script_type() in ("p2wpkh", "p2wsh"):
        return Algorithm.SEGWIT_V0
    return Algorithm.LEGACY


def sighash_name(value: int) -> str:
    """ALL, NONE, SINGLE (with |ANYONECANPAY), DEFAULT, or the value in hex for anything else."""
    base = _BASE_NAMES.get(value & ~ANYONECANPAY)
    if base is None or value == ANYONECANPAY:
        return f"0x{value:02x}"
    return f"{base}|ANYONECANPAY" if value & ANYONECANPAY else base


def default_type(algo: Algorithm) -> int:
    """The type to sign with when the input does not ask for one (BIP-174: ALL; BIP-341:
    DEFAULT, which is ALL without the extra byte)."""
    return DEFAULT if algo is Algorithm.TAPROOT else ALL


# What a signature with each allowed non-ALL type leaves open, said plainly for the user.
_WHAT_CAN_CHANGE = {
    NONE: "it signs no output: whoever holds the transaction can send this coin anywhere",
    SINGLE: "it signs only output {number}: every other output can be changed, added or "
            "removed after signing",
    ALL | ANYONECANPAY: "it signs only this input: other inputs can be added or removed after "
                        "signing (the outputs stay as shown)",
    NONE | ANYONECANPAY: "it signs no output and no other input: whoever holds this signature "
                         "can spend this coin in any transaction, to anyone",
    SINGLE | ANYONECANPAY: "it signs only this input and output {number}: every other input "
                           "and output can be changed after signing",
}


@dataclass(frozen=True)
class SighashVerdict:
    """safe: commits to the whole transaction. Otherwise `problem` says why, and `refused`
    tells whether any override can sign it (it cannot when the type is not a standard one or
    when SIGHASH_SINGLE has no output to sign)."""

    safe: bool
    refused: bool
    problem: str = ""


def judge(value: int, algo: Algorithm, input_index: int, output_count: int) -> SighashVerdict:
    """Whether input `input_index` may be signed with sighash `value`."""
    name = sighash_name(value)
    allowed = TAPROOT_TYPES if algo is Algorithm.TAPROOT else ECDSA_TYPES
    if value not in allowed:
        why = ("DEFAULT exists only for taproot" if value == DEFAULT
               else "not a standard sighash type")
        return SighashVerdict(False, True, f"asks for sighash {name} ({why}): refused")
    if value in SAFE_TYPES:
        return SighashVerdict(True, False)
    if value & 0x1F == SINGLE and input_index >= output_count:
        return SighashVerdict(False, True, f"asks for sighash {name} but there is no output "
                              f"{input_index + 1}: the signature would sign no output (a legacy "
                              "one not even the transaction: its digest is the constant 1), so "
                              "this coin could be sent anywhere: refused")
    return SighashVerdict(False, False, f"asks for sighash {name}: "
                          + _WHAT_CAN_CHANGE[value].format(number=input_index + 1))


# --- digests --------------------------------------------------------------------------------
def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _hash256(data: bytes) -> bytes:
    return _sha256(_sha256(data))


def _tagged(tag: str, data: bytes) -> bytes:
    tag_hash = _sha256(tag.encode())
    return _sha256(tag_hash + tag_hash + data)


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "little")


def _script_bytes(script: bytes) -> bytes:
    return compact.to_bytes(len(script)) + script


_BLANK_OUTPUT = b"\xff" * 8 + b"\x00"  # CTxOut(): value -1, empty script (legacy SINGLE)


class Digests:
    """Signature digests over one transaction; the whole-transaction hashes once each.

    `spent` holds each input's spent output where known (BIP-341 commits to all of them).
    Script codes are used as given: our wallets' scripts hold no OP_CODESEPARATOR.
    """

    def __init__(self, tx: Transaction, spent: Sequence[TransactionOutput | None] = ()):
        self.tx = tx
        self.spent = list(spent)
        self._outpoints = [bytes(reversed(i.txid)) + _u32(i.vout) for i in tx.vin]
        self._outputs = [out.serialize() for out in tx.vout]
        self._cache: dict[str, bytes] = {}

    def _once(self, name: str, make: Callable[[], bytes]) -> bytes:
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    def _check(self, index: int, hash_type: int) -> None:
        if not 0 <= index < len(self.tx.vin):
            raise SigningRefused(f"input {index} does not exist")
        if hash_type & 0x1F == SINGLE and index >= len(self.tx.vout):
            raise SigningRefused(f"input {index}: SIGHASH_SINGLE without output {index}")

    def legacy(self, index: int, script_code: bytes, hash_type: int) -> bytes:
        """The original (pre-segwit) signature hash."""
        self._check(index, hash_type)
        base, anyone_can_pay = hash_type & 0x1F, bool(hash_type & ANYONECANPAY)
        tx = self.tx
        positions = [index] if anyone_can_pay else range(len(tx.vin))
        parts = [_u32(tx.version), compact.to_bytes(len(positions))]
        for position in positions:
            own = position == index
            sequence = tx.vin[position].sequence if own or base not in (NONE, SINGLE) else 0
            parts += [self._outpoints[position], _script_bytes(script_code if own else b""),
                      _u32(sequence)]
        if base == NONE:
            parts.append(compact.to_bytes(0))
        elif base == SINGLE:
            parts += [compact.to_bytes(index + 1), _BLANK_OUTPUT * index, self._outputs[index]]
        else:
            parts += [compact.to_bytes(len(self._outputs)), *self._outputs]
        parts += [_u32(tx.locktime), _u32(hash_type)]
        return _hash256(b"".join(parts))

    def segwit_v0(self, index: int, script_code: bytes, amount: int, hash_type: int) -> bytes:
        """BIP-143."""
        self._check(index, hash_type)
        base, anyone_can_pay = hash_type & 0x1F, bool(hash_type & ANYONECANPAY)
        zero = bytes(32)
        tx = self.tx
        prevouts = zero if anyone_can_pay else self._once(
            "v0 prevouts", lambda: _hash256(b"".join(self._outpoints)))
        sequences = zero if anyone_can_pay or base in (NONE, SINGLE) else self._once(
            "v0 sequences", lambda: _hash256(b"".join(_u32(i.sequence) for i in tx.vin)))
        if base not in (NONE, SINGLE):
            outputs = self._once("v0 outputs", lambda: _hash256(b"".join(self._outputs)))
        elif base == SINGLE:
            outputs = _hash256(self._outputs[index])
        else:
            outputs = zero
        preimage = (_u32(tx.version) + prevouts + sequences + self._outpoints[index]
                    + _script_bytes(script_code) + amount.to_bytes(8, "little")
                    + _u32(tx.vin[index].sequence) + outputs + _u32(tx.locktime)
                    + _u32(hash_type))
        return _hash256(preimage)

    def taproot(self, index: int, hash_type: int, leaf_hash: bytes | None = None) -> bytes:
        """BIP-341 SigMsg, key path (or BIP-342 script path with `leaf_hash`), no annex."""
        self._check(index, hash_type)
        base, anyone_can_pay = hash_type & 0x03, bool(hash_type & ANYONECANPAY)
        tx = self.tx
        needed = [self.spent[index]] if anyone_can_pay else self.spent
        if len(self.spent) != len(tx.vin) or any(utxo is None for utxo in needed):
            raise SigningRefused("a taproot signature needs every spent amount and script")
        spent = [utxo for utxo in self.spent if utxo is not None]
        parts = [bytes([hash_type]), _u32(tx.version), _u32(tx.locktime)]
        if not anyone_can_pay:
            parts.append(self._once("v1 inputs", lambda: (
                _sha256(b"".join(self._outpoints))
                + _sha256(b"".join(u.value.to_bytes(8, "little") for u in spent))
                + _sha256(b"".join(u.script_pubkey.serialize() for u in spent))
                + _sha256(b"".join(_u32(i.sequence) for i in tx.vin)))))
        if base not in (NONE, SINGLE):
            parts.append(self._once("v1 outputs", lambda: _sha256(b"".join(self._outputs))))
        parts.append(bytes([2 if leaf_hash is not None else 0]))  # ext_flag * 2, no annex
        if anyone_can_pay:
            this = self.spent[index]
            assert this is not None
            parts += [self._outpoints[index], this.value.to_bytes(8, "little"),
                      this.script_pubkey.serialize(), _u32(tx.vin[index].sequence)]
        else:
            parts.append(_u32(index))
        if base == SINGLE:
            parts.append(_sha256(self._outputs[index]))
        if leaf_hash is not None:
            parts += [leaf_hash, b"\x00", b"\xff\xff\xff\xff"]  # key version 0, no codesep
        return _tagged("TapSighash", b"\x00" + b"".join(parts))


# --- checking signatures that are already there ------------------------------------------------
def script_code(spent_script: Script, redeem_script: Script | None,
                witness_script: Script | None) -> bytes | None:
    """The script an ECDSA signature for this coin commits to, or None when the PSBT does not
    give it. The redeem/witness scripts must already be known to hash to the spent script."""
    program = redeem_script if spent_script.script_type() == "p2sh" else spent_script
    if program is None:
        return None
    kind = program.script_type()
    if kind == "p2wpkh":  # BIP-143: the P2PKH script of the key hash
        return b"\x76\xa9\x14" + program.data[2:22] + b"\x88\xac"
    if kind == "p2wsh":
        return witness_script.data if witness_script is not None else None
    return program.data  # legacy: the redeem script, or the spent script itself


def ecdsa_signature_valid(digests: Digests, index: int, *, algo: Algorithm,
                          code: bytes | None, amount: int, pubkey: bytes,
                          signature: bytes) -> bool:
    """Whether `signature` (strict DER + sighash byte) signs input `index` for `pubkey`
    over the real transaction; False also when it cannot be checked."""
    if code is None or len(signature) < 9 or signature[-1] not in ECDSA_TYPES:
        return False
    hash_type, der = signature[-1], signature[:-1]
    try:
        if algo is Algorithm.LEGACY:
            digest = digests.legacy(index, code, hash_type)
        elif algo is Algorithm.SEGWIT_V0:
            digest = digests.segwit_v0(index, code, amount, hash_type)
        else:
            return False
        parsed = Signature.parse(der)
        if parsed.serialize() != der:  # BIP-66: strict DER only
            return False
        return PublicKey.parse(pubkey).verify(parsed, digest)
    except (AirsignError, EmbitError, ValueError, IndexError, AssertionError):
        return False


def schnorr_signature_valid(digests: Digests, index: int, xonly: bytes, signature: bytes,
                            leaf_hash: bytes | None = None) -> bool:
    """Whether a BIP-340 signature (64 bytes, or 65 with a non-DEFAULT sighash byte) signs
    input `index` for the x-only key, on the key path or (leaf_hash) a script path."""
    if len(signature) == 64:
        hash_type = DEFAULT
    elif len(signature) == 65 and signature[64] != DEFAULT:
        hash_type = signature[64]
    else:
        return False
    if hash_type not in TAPROOT_TYPES:
        return False
    try:
        digest = digests.taproot(index, hash_type, leaf_hash)
        key = PublicKey.from_xonly(xonly)
        return key.schnorr_verify(SchnorrSig(signature[:64]), digest)
    except (AirsignError, EmbitError, ValueError, IndexError, AssertionError):
        return False
