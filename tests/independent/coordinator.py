"""A minimal coordinator for tests and benchmarks: builds PSBTs the way Sparrow or Specter do.

Scripts come from embit's own descriptor engine (not from airsign's Wallet), so a review that
recognises these outputs agrees with an independent derivation. Everything is deterministic:
seeds are BIP-39 test-vector mnemonics, prevout txids are hashes of a label.
"""

import hashlib
from dataclasses import dataclass, field

from embit.bip32 import HDKey
from embit.descriptor import Descriptor
from embit.psbt import PSBT, DerivationPath
from embit.script import Script
from embit.transaction import Transaction, TransactionInput, TransactionOutput

from signer.network import Network
from signer.scripts import ScriptType
from signer.wallet.model import CosignerKey, Wallet

from .cosigners import DESCRIPTOR_WRAPPERS, account_xpub, key_expression, root


@dataclass
class TestWallet:
    """A wallet as the coordinator knows it: our airsign Wallet plus embit's descriptor."""

    wallet: Wallet
    descriptor: Descriptor
    roots: tuple[HDKey, ...]

    def derive(self, change: bool, index: int) -> Descriptor:
        return self.descriptor.derive(index, branch_index=int(change))

    def derivations(self, change: bool, index: int) -> dict:
        found = {}
        for key in self.wallet.keys:
            pub = key.xpub.derive([int(change), index]).key  # embit's BIP-32, not airsign's
            found[pub] = DerivationPath(key.fingerprint, list(key.full_path(change, index)))
        return found


def make_wallet(script_type: ScriptType = ScriptType.P2WSH, *,
                cosigners: tuple[int, ...] = (0, 1, 2), threshold: int = 2,
                network: Network = Network.TEST, name: str = "vault",
                sorted_keys: bool = True, account: int = 0) -> TestWallet:
    origin = script_type.account_path(network, account)
    keys = tuple(CosignerKey(root(i).my_fingerprint, origin, account_xpub(i, origin, network))
                 for i in cosigners)
    texts = [key_expression(i, network, path=origin) for i in cosigners]
    if script_type.is_multisig:
        function = "sortedmulti" if sorted_keys else "multi"
        inner = f"{function}({threshold},{','.join(texts)})"
    else:
        inner = texts[0]
        threshold = 1
    descriptor = Descriptor.from_string(DESCRIPTOR_WRAPPERS[script_type].format(inner))
    wallet = Wallet(name, script_type, threshold, keys, sorted_keys, network)
    return TestWallet(wallet, descriptor, tuple(root(i) for i in cosigners))


class DescriptorWallet(TestWallet):
    """A wallet known by its descriptor text (miniscript): embit derives its scripts and the
    keys' origins at each address."""

    def derivations(self, change: bool, index: int) -> dict:
        derived = self.derive(change, index)
        return {key.get_public_key(): DerivationPath(key.origin.fingerprint,
                                                     list(key.origin.derivation))
                for key in derived.keys if key.origin is not None}  # H has no origin


@dataclass(frozen=True)
class TapFields:
    """A taproot tree's PSBT fields at one address, as embit derives the tree."""

    internal_key: object  # embit PublicKey
    merkle_root: bytes
    leaves: list[tuple[bytes, bytes, bytes]]  # (control block, leaf script, leaf hash)


def tap_fields(wallet: TestWallet, change: bool, index: int) -> TapFields:
    from embit.descriptor.taptree import _tweak_helper
    from embit.hashes import tagged_hash

    derived = wallet.derive(change, index)
    internal = derived.key.get_public_key()
    proofs, root = _tweak_helper(derived.taptree)
    parity = internal.taproot_tweak(root).sec()[0] & 1
    leaves = []
    for leaf, path in proofs:
        script = leaf.miniscript.compile()
        control = bytes([0xC0 | parity]) + internal.xonly() + path
        leaves.append((control, script, tagged_hash("TapLeaf", leaf.serialize())))
    return TapFields(internal, root, leaves)


def descriptor_wallet(text: str, name: str = "vault",
                      network: Network = Network.TEST) -> DescriptorWallet:
    """`text` as the coordinator has it (embit), and as airsign registers it."""
    from signer.wallet.descriptor import wallet_from_descriptors

    wallet = wallet_from_descriptors([text], name, network)
    roots = tuple(root(i) for i in range(3))
    return DescriptorWallet(wallet, Descriptor.from_string(text), roots)


@dataclass
class Spend:
    """One input: a coin of `source` at (change, index)."""

    source: TestWallet
    change: bool
    index: int
    amount: int
    full_tx: bool = True  # give the previous transaction too, as Sparrow, Specter and Core do
    sequence: int = 0xFFFFFFFD


@dataclass
class Pay:
    """One output: to `script`, or to `wallet` at (change, index) with its derivations."""

    amount: int
    script: Script | None = None
    wallet: TestWallet | None = None
    change: bool = True
    index: int = 0
    derivations: dict = field(default_factory=dict)  # extra/forged derivations to add


class CoordinatorPSBT(PSBT):
    """embit's PSBT, serialising the unsigned transaction exactly as built: embit's own `tx`
    fills in defaults (version 0 becomes 2, nSequence 0 becomes 0xffffffff)."""

    @property
    def tx(self) -> Transaction:
        return Transaction(
            version=self.tx_version, locktime=self.locktime or 0,
            vin=[TransactionInput(inp.txid, inp.vout, sequence=0xFFFFFFFF if inp.sequence is None
                                  else inp.sequence) for inp in self.inputs],
            vout=[out.vout for out in self.outputs])


def previous_tx(label: str, script: Script, amount: int) -> Transaction:
    """A fake funding transaction with one input and the coin as its output 0."""
    txid = hashlib.sha256(label.encode()).digest()
    return Transaction(version=2, vin=[TransactionInput(txid, 0)],
                       vout=[TransactionOutput(amount, script)], locktime=0)


def build_psbt(spends: list[Spend], pays: list[Pay], *, locktime: int = 0,
               version: int = 2) -> PSBT:
    vin, prev_txs = [], []
    for number, spend in enumerate(spends):
        script = spend.source.derive(spend.change, spend.index).script_pubkey()
        prev = previous_tx(f"coin {number}", script, spend.amount)
        prev_txs.append(prev)
        vin.append(TransactionInput(prev.txid(), 0, sequence=spend.sequence))
    vout = []
    for pay in pays:
        script = pay.script
        if pay.wallet is not None:
            script = pay.wallet.derive(pay.change, pay.index).script_pubkey()
        assert script is not None
        vout.append(TransactionOutput(pay.amount, script))
    psbt = CoordinatorPSBT(Transaction(version=version, vin=vin, vout=vout, locktime=locktime))
    for inp, spend, prev in zip(psbt.inputs, spends, prev_txs, strict=True):
        derived = spend.source.derive(spend.change, spend.index)
        inp.witness_utxo = prev.vout[0]
        legacy = spend.source.wallet.script_type in (ScriptType.P2SH, ScriptType.P2PKH)
        if spend.full_tx or legacy:
            inp.non_witness_utxo = prev
            if legacy:  # BIP-174: a witness UTXO only for segwit outputs
                inp.witness_utxo = None
        inp.witness_script = derived.witness_script()
        inp.redeem_script = derived.redeem_script()
        if spend.source.wallet.script_type is ScriptType.P2TR and spend.source.wallet.template:
            fields = tap_fields(spend.source, spend.change, spend.index)
            inp.taproot_internal_key = fields.internal_key
            inp.taproot_merkle_root = fields.merkle_root
            for control, leaf_script, _ in fields.leaves:
                inp.taproot_scripts[control] = leaf_script + b"\xc0"
            for pub, path in spend.source.derivations(spend.change, spend.index).items():
                hashes = [h for _, leaf_script, h in fields.leaves if pub.xonly() in leaf_script]
                inp.taproot_bip32_derivations[pub] = (hashes, path)
        elif spend.source.wallet.script_type is ScriptType.P2TR:
            ((pub, path),) = spend.source.derivations(spend.change, spend.index).items()
            inp.taproot_bip32_derivations[pub] = ([], path)
            inp.taproot_internal_key = pub
        else:
            inp.bip32_derivations.update(spend.source.derivations(spend.change, spend.index))
    for out, pay in zip(psbt.outputs, pays, strict=True):
        if pay.wallet is not None:
            derived = pay.wallet.derive(pay.change, pay.index)
            out.witness_script = derived.witness_script()
            out.redeem_script = derived.redeem_script()
            if pay.wallet.wallet.script_type is ScriptType.P2TR:
                for pub, path in pay.wallet.derivations(pay.change, pay.index).items():
                    out.taproot_bip32_derivations[pub] = ([], path)
            else:
                out.bip32_derivations.update(pay.wallet.derivations(pay.change, pay.index))
        out.bip32_derivations.update(pay.derivations)
    return psbt


def external_script(label: str = "payee") -> Script:
    """A P2WPKH script of nobody we know."""
    return Script(b"\x00\x14" + hashlib.sha256(label.encode()).digest()[:20])
