"""The hostile PSBT corpus: how each file in tests/attacks/corpus/psbt/ is made, and what the
device must do with it. Regenerate with `.venv/bin/python tests/attacks/hostile_psbts.py`.

The device under attack is cosigner 0 (the BIP-39 "abandon ... about" seed) on testnet, with
four registered wallets: "vault", a 2-of-3 P2WSH of cosigners 0, 1, 2, "savings", a 2-of-3
P2SH-P2WSH of the same cosigners, "legacy", their 2-of-3 P2SH (pre-segwit), and "tapvault", a
taproot tree tr(H, {multi_a(2,A,B), multi_a(2,A,C)}) with no key path. PSBTs are
built with embit's descriptors through the test coordinator (tests/independent/coordinator.py),
never with airsign's own code, so the device has to recognise (or refuse) what an independent
implementation made.
"""

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # run as a script: the coordinator lives in tests/independent
    sys.path.insert(0, str(TESTS))

from embit import script as embit_script  # noqa: E402
from embit.ec import PrivateKey  # noqa: E402
from embit.psbt import PSBT, DerivationPath  # noqa: E402
from embit.script import Script  # noqa: E402
from embit.transaction import Transaction, TransactionInput, TransactionOutput  # noqa: E402
from independent.coordinator import (  # noqa: E402
    Pay,
    Spend,
    TestWallet,
    build_psbt,
    descriptor_wallet,
    external_script,
    make_wallet,
    previous_tx,
    root,
    tap_fields,
)
from independent.cosigners import key_expression  # noqa: E402

from signer.errors import AirsignError, InvalidPSBT  # noqa: E402
from signer.network import Network  # noqa: E402
from signer.scripts import ScriptType  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus" / "psbt"
NONE, SINGLE, ANYONECANPAY = 0x02, 0x03, 0x80
FINAL, RBF = 0xFFFFFFFF, 0xFFFFFFFD  # nSequence: final (locktime off), opting in to RBF
# BIP-341's unspendable point H (x-only): an internal key nobody can sign for
H = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0"
TAP_PATH = (48 + 2**31, 1 + 2**31, 2**31, 3 + 2**31)  # the taproot multisig keys' account
A, B, C = (key_expression(i, path=TAP_PATH) for i in (0, 1, 2))


@cache
def vault(network: Network = Network.TEST) -> TestWallet:
    return make_wallet(network=network)


@cache
def savings() -> TestWallet:
    return make_wallet(ScriptType.P2SH_P2WSH, name="savings")


@cache
def legacy() -> TestWallet:
    return make_wallet(ScriptType.P2SH, name="legacy")


def tap_tree(internal: str, second_leaf: str = f"multi_a(2,{A},{C})", name: str = "thief"
          ) -> TestWallet:
    return descriptor_wallet(f"tr({internal},{{multi_a(2,{A},{B}),{second_leaf}}})", name)


@cache
def tapvault() -> TestWallet:
    return tap_tree(H, name="tapvault")


def registered(network: Network = Network.TEST) -> tuple[TestWallet, ...]:
    """The wallets registered on the device set to `network`."""
    if network is not Network.TEST:
        return (vault(network),)
    return (vault(network), savings(), legacy(), tapvault())


@dataclass(frozen=True)
class Expect:
    """What the device does. refused: load_psbt raises this. Otherwise the review's warnings
    are exactly `warnings` (code -> severity) and signing without overrides signs `signs`
    (input indexes), or refuses when signs is None."""

    refused: type[AirsignError] | None = None
    warnings: dict[str, str] = field(default_factory=dict)
    signs: tuple[int, ...] | None = None
    kinds: tuple[str, ...] | None = None  # output kinds, when they matter to the case


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    expect: Expect
    shows: str  # what the device shows or refuses, for docs/SECURITY.md
    network: Network = Network.TEST

    @property
    def path(self) -> Path:
        return CORPUS / f"{self.name}.psbt"


# --- builders ------------------------------------------------------------------------------
def _spend(pays: list[Pay], source: TestWallet | None = None, **spend: object) -> PSBT:
    return build_psbt([Spend(source or vault(), False, 0, 100_000, **spend)],  # type: ignore[arg-type]
                      pays)


def _payee(amount: int = 60_000) -> Pay:
    return Pay(amount, external_script())


def _fake_change(other: TestWallet) -> bytes:
    """Change to `other` (same cosigner paths, different script), with its derivations."""
    pay = Pay(39_000, script=other.derive(True, 0).script_pubkey(),
              derivations=other.derivations(True, 0))
    return _spend([_payee(), pay]).serialize()


def fake_change_other_cosigner() -> bytes:
    return _fake_change(make_wallet(cosigners=(0, 1, 3), name="thief"))


def fake_change_other_threshold() -> bytes:
    return _fake_change(make_wallet(threshold=1, name="thief"))


def fake_change_other_script_type() -> bytes:
    # The vault's own change witness script, wrapped in P2SH: same keys, other address.
    witness = vault().derive(True, 0).witness_script()
    script = embit_script.p2sh(embit_script.p2wsh(witness))
    pay = Pay(39_000, script=script, derivations=vault().derivations(True, 0))
    return _spend([_payee(), pay]).serialize()


def change_far_past_gap() -> bytes:
    return _spend([_payee(), Pay(39_000, wallet=vault(), change=True, index=1_000_000)]).serialize()


def receive_presented_as_change() -> bytes:
    pay = Pay(39_000, script=vault().derive(False, 5).script_pubkey(),
              derivations=vault().derivations(True, 5))
    return _spend([_payee(), pay]).serialize()


def change_presented_as_receive() -> bytes:
    pay = Pay(39_000, script=vault().derive(True, 3).script_pubkey(),
              derivations=vault().derivations(False, 3))
    return _spend([_payee(), pay]).serialize()


def change_without_derivations() -> bytes:
    return _spend([_payee(), Pay(39_000, script=vault().derive(True, 3).script_pubkey())]
                  ).serialize()


def _our_single_sig(account: int = 0) -> TestWallet:
    """This seed's own BIP-84 account (single-sig), as any wallet app derives it."""
    return make_wallet(ScriptType.P2WPKH, cosigners=(0,), threshold=1, account=account,
                       name=f"bip84 account {account}")


def transfer_to_other_registered_wallet() -> bytes:
    return _spend([_payee(), Pay(39_000, wallet=savings(), change=True, index=0)]).serialize()


def transfer_to_own_single_sig() -> bytes:
    return _spend([_payee(), Pay(39_000, wallet=_our_single_sig(), change=True, index=0)]
                  ).serialize()


def single_sig_account_out_of_range() -> bytes:
    return _spend([_payee(), Pay(39_000, wallet=_our_single_sig(100), change=True, index=0)]
                  ).serialize()


def _with_fingerprints(other: TestWallet, fingerprint: bytes) -> bytes:
    """Change to `other` whose derivations carry `fingerprint` instead of the real ones."""
    forged = {pub: DerivationPath(fingerprint, der.derivation)
              for pub, der in other.derivations(True, 0).items()}
    pay = Pay(39_000, script=other.derive(True, 0).script_pubkey(), derivations=forged)
    return _spend([_payee(), pay]).serialize()


def fake_change_zero_fingerprints() -> bytes:
    return _with_fingerprints(make_wallet(cosigners=(0, 1, 3), name="thief"), bytes(4))


def fake_change_wrong_fingerprints() -> bytes:
    return _with_fingerprints(make_wallet(cosigners=(0, 1, 3), name="thief"),
                              bytes.fromhex("f00dbabe"))


def fake_change_single_sig_zero_fingerprint() -> bytes:
    # A stranger's address, listing our own BIP-84 change key (fingerprint hidden).
    ((pub, der),) = _our_single_sig().derivations(True, 0).items()
    pay = Pay(39_000, script=external_script("thief"),
              derivations={pub: DerivationPath(bytes(4), der.derivation)})
    return _spend([_payee(), pay]).serialize()


# --- taproot trees: the PSBT's tap fields against the registered tree ----------------------
def _tap_spend(*extra: Pay) -> PSBT:
    """tapvault's coin at receive 0: a payment and change, every BIP-371 field from embit."""
    return build_psbt([Spend(tapvault(), False, 0, 100_000)],
                      [_payee(), *(extra or (Pay(39_000, wallet=tapvault()),))])


def tap_leaf_script_swapped() -> bytes:
    """Our first leaf's control block, with the script multi_a(1,A,B) under it."""
    psbt = _tap_spend()
    control, _, _ = tap_fields(tapvault(), False, 0).leaves[0]
    (_, weaker, _), = tap_fields(descriptor_wallet(f"tr({H},multi_a(1,{A},{B}))"), False,
                                 0).leaves
    psbt.inputs[0].taproot_scripts[control] = weaker + b"\xc0"
    return psbt.serialize()


def tap_internal_key_claimed_ours() -> bytes:
    """The internal key given as our own key at that index (H in the registered tree), with
    our derivation and no leaf: a key-path spend of a tree that has none."""
    psbt = _tap_spend()
    ours = next((pub, der) for pub, (_, der) in psbt.inputs[0].taproot_bip32_derivations.items()
                if der.fingerprint == root(0).my_fingerprint)
    psbt.inputs[0].taproot_internal_key = ours[0]
    psbt.inputs[0].taproot_bip32_derivations[ours[0]] = ([], ours[1])
    return psbt.serialize()


def fake_change_tap_tree() -> bytes:
    """Change to the same two leaves under cosigner 1's internal key instead of H (a key
    path for cosigner 1 alone), listing the keys at the change path as real change would."""
    return _tap_spend(Pay(39_000, wallet=tap_tree(B), change=True, index=0)).serialize()


def tap_control_block_other_tree() -> bytes:
    """Our leaf multi_a(2,A,B) under the control block it has in another tree (second leaf
    multi_a(1,C)): a proof for a tree that is not the one being spent."""
    psbt = _tap_spend()
    ours = tap_fields(tapvault(), False, 0).leaves[0]
    other = tap_tree(H, f"multi_a(1,{C})")
    control = next(c for c, script, _ in tap_fields(other, False, 0).leaves if script == ours[1])
    del psbt.inputs[0].taproot_scripts[ours[0]]
    psbt.inputs[0].taproot_scripts[control] = ours[1] + b"\xc0"
    return psbt.serialize()


def witness_utxo_disagrees() -> bytes:
    psbt = _spend([_payee(), Pay(39_000, wallet=vault())], full_tx=True)
    psbt.inputs[0].witness_utxo = TransactionOutput(1_100_000,
                                                    psbt.inputs[0].witness_utxo.script_pubkey)
    return psbt.serialize()


def non_witness_utxo_wrong_txid() -> bytes:
    psbt = _spend([_payee(), Pay(39_000, wallet=vault())], full_tx=True)
    script = psbt.inputs[0].witness_utxo.script_pubkey
    psbt.inputs[0].non_witness_utxo = previous_tx("another coin", script, 1_100_000)
    return psbt.serialize()


def witness_utxo_only() -> bytes:
    return _spend([_payee(), Pay(39_000, wallet=vault())], full_tx=False).serialize()


def legacy_without_previous_tx() -> bytes:
    """A P2SH multisig coin with only a witness UTXO and no redeem script: its amount is the
    PSBT's word, and a legacy signature does not commit to it."""
    psbt = build_psbt([Spend(legacy(), False, 0, 100_000)],
                      [_payee(), Pay(39_000, wallet=legacy())])
    inp = psbt.inputs[0]
    inp.witness_utxo, inp.non_witness_utxo, inp.redeem_script = (
        inp.non_witness_utxo.vout[0], None, None)
    return psbt.serialize()


def _sighash(value: int) -> Callable[[], bytes]:
    def build() -> bytes:
        psbt = _spend([_payee(), Pay(39_000, wallet=vault())])
        psbt.inputs[0].sighash_type = value
        return psbt.serialize()
    return build


def sighash_single_without_output() -> bytes:
    """Three inputs, two outputs, SIGHASH_SINGLE on the third: no output 3 to sign."""
    psbt = build_psbt([Spend(vault(), False, i, 50_000) for i in range(3)],
                      [_payee(100_000), Pay(49_000, wallet=vault())])
    psbt.inputs[2].sighash_type = SINGLE
    return psbt.serialize()


def sighash_not_standard() -> bytes:
    psbt = _spend([_payee(), Pay(39_000, wallet=vault())])
    psbt.inputs[0].sighash_type = 0x41  # SIGHASH_ALL|FORKID: another chain's replay guard
    return psbt.serialize()


def invalid_existing_signatures() -> bytes:
    """Signatures under our key and cosigner 1's that sign something else."""
    psbt = _spend([_payee(), Pay(39_000, wallet=vault())])
    forger = PrivateKey(hashlib.sha256(b"forger").digest())
    junk = forger.sign(hashlib.sha256(b"another transaction").digest()).serialize() + b"\x01"
    for pub, der in vault().derivations(False, 0).items():
        if der.fingerprint in (root(0).my_fingerprint, root(1).my_fingerprint):
            psbt.inputs[0].partial_sigs[pub] = junk
    return psbt.serialize()


# --- the transaction signed is the PSBT's own (version, nSequence, nLockTime) -----------------
def _shaped(sequences: tuple[int, ...], *, version: int = 2, locktime: int = 0) -> PSBT:
    """A vault spend of one coin per sequence, with this version and locktime."""
    spends = [Spend(vault(), False, i, 60_000, sequence=seq) for i, seq in enumerate(sequences)]
    return build_psbt(spends, [_payee(60_000 * len(sequences) - 40_000),
                               Pay(39_000, wallet=vault())], locktime=locktime, version=version)


def sequence_zero_all() -> bytes:
    return _shaped((0, 0)).serialize()


def sequence_zero_some() -> bytes:
    return _shaped((0, RBF, FINAL)).serialize()


def _version(version: int) -> Callable[[], bytes]:
    return lambda: _shaped((RBF,), version=version).serialize()


def locktime_not_in_force() -> bytes:
    return _shaped((FINAL, FINAL), locktime=2_000_000).serialize()


def locktime_enabled_by_sequence_zero() -> bytes:
    return _shaped((FINAL, 0), locktime=2_000_000).serialize()


def _v2(sequences: tuple[int | None, ...], required: tuple[dict[int, int], ...] = (),
        fallback: int | None = None) -> bytes:
    """A PSBTv2 vault spend: PSBT_IN_SEQUENCE left out where None, required locktimes
    (0x11 time, 0x12 height) per input, and the fallback locktime."""
    psbt = _shaped(tuple(FINAL if seq is None else seq for seq in sequences))
    psbt.version, psbt.locktime = 2, fallback
    for index, inp in enumerate(psbt.inputs):
        inp.sequence = sequences[index]
        fields = required[index] if index < len(required) else {}
        # a new dict: embit's scopes share one mutable default `unknown` dict
        inp.unknown = {bytes([key]): value.to_bytes(4, "little") for key, value in fields.items()}
    return psbt.serialize()


def v2_sequence_absent_and_zero() -> bytes:
    return _v2((None, 0), fallback=2_000_000)


def v2_required_height_locktime() -> bytes:
    return _v2((0xFFFFFFFE, 0xFFFFFFFE),
               ({0x12: 800_000, 0x11: 1_700_000_000}, {0x12: 850_000}), fallback=10)


def v2_required_time_locktime() -> bytes:
    return _v2((0xFFFFFFFE, 0xFFFFFFFE),
               ({0x12: 800_000, 0x11: 1_700_000_000}, {0x11: 1_800_000_000}))


def two_registered_wallets() -> bytes:
    return build_psbt([Spend(vault(), False, 0, 100_000), Spend(savings(), False, 0, 50_000)],
                      [Pay(140_000, external_script()), Pay(9_000, wallet=vault())]).serialize()


def ours_beside_foreign_inputs() -> bytes:
    stranger = make_wallet(cosigners=(1, 2, 3), name="stranger")
    return build_psbt([Spend(stranger, False, 0, 70_000), Spend(vault(), False, 0, 100_000),
                       Spend(stranger, False, 1, 30_000)],
                      [Pay(190_000, external_script()), Pay(9_000, wallet=vault())]).serialize()


def derivation_claims_our_key() -> bytes:
    # Spends a 1-2-3 wallet's coin, but lists our key and path as if it were in the script.
    stranger = make_wallet(cosigners=(1, 2, 3), name="stranger")
    psbt = build_psbt([Spend(stranger, False, 0, 100_000)], [_payee(99_000)])
    psbt.inputs[0].bip32_derivations.update(vault().derivations(False, 0))
    return psbt.serialize()


def duplicate_inputs() -> bytes:
    psbt = _spend([_payee(150_000), Pay(49_000, wallet=vault())])
    twin = Transaction(version=2, vin=[psbt.tx.vin[0], psbt.tx.vin[0]], vout=psbt.tx.vout)
    doubled = PSBT(twin)
    for index in range(2):
        doubled.inputs[index].witness_utxo = psbt.inputs[0].witness_utxo
        doubled.inputs[index].witness_script = psbt.inputs[0].witness_script
        doubled.inputs[index].bip32_derivations.update(psbt.inputs[0].bip32_derivations)
    return doubled.serialize()


def absurd_fee() -> bytes:
    return _spend([_payee(1_000)]).serialize()


def dust_output() -> bytes:
    return _spend([_payee(), Pay(294 - 1, external_script("dust")),
                   Pay(39_000, wallet=vault())]).serialize()


def op_return_output() -> bytes:
    data = Script(b"\x6a\x14" + hashlib.sha256(b"hostile memo").digest()[:20])
    return _spend([_payee(), Pay(0, data), Pay(39_000, wallet=vault())]).serialize()


def non_standard_output() -> bytes:
    anyone_can_spend = Script(b"\x51")  # OP_TRUE: whoever sees it first takes it
    return _spend([Pay(60_000, anyone_can_spend), Pay(39_000, wallet=vault())]).serialize()


def _with_tx(version: int, locktime: int) -> bytes:
    psbt = _spend([_payee(), Pay(39_000, wallet=vault())])
    psbt.tx_version, psbt.locktime = version, locktime
    return psbt.serialize()


def locktime_far_future() -> bytes:
    return _with_tx(2, 2_000_000)


def locktime_date() -> bytes:
    return _with_tx(2, 1_893_456_000)  # 2030-01-01 00:00 UTC


def odd_tx_version() -> bytes:
    return _with_tx(0x7FFFFFFF, 0)


def mainnet_coins_on_testnet() -> bytes:
    main = vault(Network.MAIN)
    return build_psbt([Spend(main, False, 0, 100_000)],
                      [Pay(60_000, external_script()), Pay(39_000, wallet=main)]).serialize()


def testnet_coins_on_mainnet() -> bytes:
    return witness_utxo_only()


def _with_xpubs(cosigners: tuple[int, ...], network: Network) -> bytes:
    psbt = _spend([_payee(), Pay(39_000, wallet=vault())])
    other = make_wallet(cosigners=cosigners, network=network, name="xpubs")
    for key in other.wallet.keys:
        psbt.xpubs[key.xpub] = DerivationPath(key.fingerprint, list(key.origin_path))
    return psbt.serialize()


def global_xpubs_of_another_wallet() -> bytes:
    return _with_xpubs((0, 1, 3), Network.TEST)


def global_xpubs_of_another_network() -> bytes:
    return _with_xpubs((0, 1, 2), Network.MAIN)


def zero_fingerprints() -> bytes:
    psbt = _spend([_payee(), Pay(39_000, wallet=vault(), index=2)])
    for scope in (psbt.inputs[0], psbt.outputs[1]):
        for pub, der in scope.bip32_derivations.items():
            scope.bip32_derivations[pub] = DerivationPath(bytes(4), der.derivation)
    return psbt.serialize()


def missing_derivations() -> bytes:
    psbt = _spend([_payee(), Pay(39_000, wallet=vault())])
    psbt.inputs[0].bip32_derivations.clear()
    psbt.outputs[1].bip32_derivations.clear()
    return psbt.serialize()


def _many(inputs: int, outputs: int) -> bytes:
    """A bare v0 PSBT (unsigned transaction, empty maps) of this many inputs and outputs."""
    vin = [TransactionInput(hashlib.sha256(i.to_bytes(4, "big")).digest(), 0)
           for i in range(inputs)]
    vout = [TransactionOutput(1_000, external_script(str(i))) for i in range(outputs)]
    return PSBT(Transaction(version=2, vin=vin, vout=vout)).serialize()


def ten_thousand_inputs() -> bytes:
    return _many(10_000, 1)


def ten_thousand_outputs() -> bytes:
    return _many(1, 10_000)


def v2_claims_billions_of_inputs() -> bytes:
    """A PSBTv2 whose INPUT_COUNT says 4,000,000,000: nothing may be sized by the claim."""
    def field(key: bytes, value: bytes) -> bytes:
        return bytes([len(key)]) + key + bytes([len(value)]) + value

    count = b"\xfe" + (4_000_000_000).to_bytes(4, "little")
    return (b"psbt\xff" + field(b"\x02", (2).to_bytes(4, "little")) + field(b"\x04", count)
            + field(b"\x05", b"\x01") + field(b"\xfb", (2).to_bytes(4, "little")) + b"\x00")


def tap_tree_too_deep() -> bytes:
    """An output taproot tree with a leaf at depth 200 (BIP-341 allows 128)."""
    psbt = _spend([_payee(), Pay(39_000, wallet=vault())])
    # a new dict: embit's scopes share one mutable default `unknown` dict
    psbt.outputs[1].unknown = {b"\x06": bytes([200, 0xC0, 1, 0x51])}
    return psbt.serialize()


DANGER, CAUTION, INFO = "danger", "caution", "info"
REFUSED = None  # Expect.signs: signing is refused without an override
# A payment and a forged change output: shown as two payments, the forgery a danger.
FAKE_CHANGE = Expect(warnings={"fake-change": DANGER, "no-change": INFO}, signs=REFUSED,
                     kinds=("external", "external"))
# A payment and an output to another of our wallets: a transfer, signed after the caution.
TRANSFER = Expect(warnings={"transfer": CAUTION, "no-change": INFO}, signs=(0,),
                  kinds=("external", "transfer"))
# A tapvault spend whose tap fields contradict the registered tree: refused, and never signed.
TAP_CONTRADICTION = Expect(warnings={"script-mismatch": DANGER}, signs=REFUSED,
                           kinds=("external", "change"))

CASES: tuple[Case, ...] = (
    Case("fake-change-other-cosigner", fake_change_other_cosigner,
         FAKE_CHANGE,
         "output 1 carries our fingerprint and change path, but its script swaps cosigner 2 "
         "for another key: shown as SEND, danger `fake-change`, signing refused"),
    Case("fake-change-other-threshold", fake_change_other_threshold,
         FAKE_CHANGE,
         "same keys and paths as the vault but 1-of-3: shown as SEND, `fake-change`, refused"),
    Case("fake-change-other-script-type", fake_change_other_script_type,
         FAKE_CHANGE,
         "the vault's change witness script wrapped in P2SH (another address): `fake-change`, "
         "refused"),
    Case("change-far-past-gap", change_far_past_gap,
         Expect(warnings={"large-index": DANGER}, signs=REFUSED, kinds=("external", "change")),
         "real change at index 1,000,000: shown as change with danger `large-index` (a wallet "
         "with a normal gap limit would never see it), refused without --allow large-index"),
    Case("receive-presented-as-change", receive_presented_as_change,
         FAKE_CHANGE,
         "our receive address 5 with change-chain derivations: the script does not derive at "
         "the path given: `fake-change`, refused"),
    Case("change-presented-as-receive", change_presented_as_receive,
         FAKE_CHANGE,
         "our change address 3 with receive-chain derivations: `fake-change`, refused"),
    Case("change-without-derivations", change_without_derivations,
         Expect(warnings={"no-change": INFO}, signs=(0,), kinds=("external", "external")),
         "our own change address without derivations is not taken on trust: shown as a SEND "
         "of 39,000 sats to its address (the user sees two recipients)"),
    Case("transfer-to-other-registered-wallet", transfer_to_other_registered_wallet,
         TRANSFER,
         "a vault spend whose second output pays the savings wallet: not change (it leaves "
         "the wallet being spent) but `transfer`, shown as \"to your other wallet savings\" "
         "with caution `transfer`; signed after the warning"),
    Case("transfer-to-own-single-sig", transfer_to_own_single_sig,
         TRANSFER,
         "a vault spend paying this seed's own BIP-84 account 0: `transfer` (the coins leave "
         "the multisig for a single key), caution `transfer`; signed after the warning"),
    Case("single-sig-account-out-of-range", single_sig_account_out_of_range,
         FAKE_CHANGE,
         "\"change\" to our BIP-84 account 100 (only accounts 0-99 are recognised, none a "
         "wallet would scan for): shown as a SEND, danger `fake-change`, refused"),
    Case("fake-change-zero-fingerprints", fake_change_zero_fingerprints,
         FAKE_CHANGE,
         "change to a wallet that swaps cosigner 2, every fingerprint 00000000: the listed "
         "public keys re-derive from the vault, the script does not: `fake-change`, refused"),
    Case("fake-change-wrong-fingerprints", fake_change_wrong_fingerprints,
         FAKE_CHANGE,
         "the same with made-up fingerprints f00dbabe: matched by public key, `fake-change`, "
         "refused"),
    Case("fake-change-single-sig-zero-fingerprint", fake_change_single_sig_zero_fingerprint,
         FAKE_CHANGE,
         "a stranger's address listing our BIP-84 change key with fingerprint 00000000: "
         "`fake-change`, refused"),
    Case("tap-leaf-script-swapped", tap_leaf_script_swapped, TAP_CONTRADICTION,
         "a tapvault spend whose PSBT puts multi_a(1,A,B) under the control block of the "
         "tree's leaf multi_a(2,A,B): danger `script-mismatch` (a leaf script that is not one "
         "of the wallet's at that index), refused; with --allow script-mismatch still nothing "
         "is signed (only the registered tree's own leaves are)"),
    Case("tap-internal-key-claimed-ours", tap_internal_key_claimed_ours, TAP_CONTRADICTION,
         "the input's taproot internal key given as our own key at that index, with our "
         "derivation and no leaf (a key-path spend), where the registered tree's internal key "
         "is H: `script-mismatch`, refused; no key-path signature even with --allow"),
    Case("fake-change-tap-tree", fake_change_tap_tree, FAKE_CHANGE,
         "change to the tapvault's two leaves under cosigner 1's internal key instead of H "
         "(cosigner 1 could take it alone by the key path), with the derivations real change "
         "carries: the whole tree re-derived does not give its script: shown as SEND, "
         "`fake-change`, refused"),
    Case("tap-control-block-other-tree", tap_control_block_other_tree, TAP_CONTRADICTION,
         "our leaf multi_a(2,A,B) under the control block it has in another tree (second leaf "
         "multi_a(1,C)): a proof for a tree that is not the one spent: `script-mismatch`, "
         "refused; nothing signed even with --allow"),
    Case("witness-utxo-disagrees", witness_utxo_disagrees,
         Expect(warnings={"utxo-mismatch": DANGER}, signs=REFUSED),
         "witness UTXO claims 1,100,000 sats, the previous transaction 100,000: the review shows "
         "the proven 100,000 sats, the real fee and the input as the vault's, with danger "
         "`utxo-mismatch`; refused, and no override can sign it"),
    Case("non-witness-utxo-wrong-txid", non_witness_utxo_wrong_txid,
         Expect(refused=InvalidPSBT),
         "previous transaction that does not hash to the prevout's txid: refused on load "
         "(InvalidPSBT), as Bitcoin Core does"),
    Case("witness-utxo-only", witness_utxo_only,
         Expect(warnings={"unproven-amount": CAUTION}, signs=(0,),
                kinds=("external", "change")),
         "segwit v0 input with only a witness UTXO: caution `unproven-amount` (its amount, and "
         "so the fee, cannot be proven: the two-PSBT fee attack); signed after the warning"),
    Case("sighash-none", _sighash(NONE), Expect(warnings={"sighash": DANGER}, signs=REFUSED),
         "input asks for SIGHASH_NONE: danger `sighash`, refused without --allow sighash"),
    Case("sighash-single", _sighash(SINGLE),
         Expect(warnings={"sighash": DANGER}, signs=REFUSED), "SIGHASH_SINGLE: same"),
    Case("sighash-all-anyonecanpay", _sighash(0x01 | ANYONECANPAY),
         Expect(warnings={"sighash": DANGER}, signs=REFUSED), "ALL|ANYONECANPAY: same"),
    Case("sighash-none-anyonecanpay", _sighash(NONE | ANYONECANPAY),
         Expect(warnings={"sighash": DANGER}, signs=REFUSED), "NONE|ANYONECANPAY: same"),
    Case("sighash-single-anyonecanpay", _sighash(SINGLE | ANYONECANPAY),
         Expect(warnings={"sighash": DANGER}, signs=REFUSED), "SINGLE|ANYONECANPAY: same"),
    Case("two-registered-wallets", two_registered_wallets,
         Expect(warnings={"mixed-wallets": CAUTION}, signs=(0, 1)),
         "inputs from vault and savings: caution `mixed-wallets`, both signed"),
    Case("ours-beside-foreign-inputs", ours_beside_foreign_inputs,
         Expect(warnings={"foreign-input": CAUTION}, signs=(1,)),
         "inputs 0 and 2 belong to a wallet without our key: caution `foreign-input` for each, "
         "only input 1 signed"),
    Case("derivation-claims-our-key", derivation_claims_our_key,
         Expect(warnings={"unknown-wallet": DANGER}, signs=REFUSED),
         "input lists our fingerprint and path but its script is another wallet's: danger "
         "`unknown-wallet`, never signed"),
    Case("duplicate-inputs", duplicate_inputs, Expect(refused=InvalidPSBT),
         "the same coin spent twice (its amount counted twice would hide the fee): refused on "
         "load (InvalidPSBT)"),
    Case("absurd-fee", absurd_fee,
         Expect(warnings={"high-fee": DANGER, "no-change": INFO}, signs=REFUSED),
         "99,000 sats fee to send 1,000: danger `high-fee`, refused"),
    Case("dust-output", dust_output,
         Expect(warnings={"dust": CAUTION}, signs=(0,), kinds=("external", "external", "change")),
         "an output of 293 sats (below P2WPKH's 294-sat dust limit): caution `dust` (the network "
         "would not relay the transaction); signed after the warning"),
    Case("op-return-output", op_return_output,
         Expect(signs=(0,), kinds=("external", "op_return", "change")),
         "OP_RETURN output shown as data (no address), counted in the amount sent"),
    Case("non-standard-output", non_standard_output,
         Expect(signs=(0,),
                kinds=("external", "change")),
         "OP_TRUE output (anyone can spend it): shown as a SEND with its script in hex and no "
         "address"),
    Case("locktime-far-future", locktime_far_future,
         Expect(warnings={"locktime": INFO}, signs=(0,)),
         "nLockTime block 2,000,000: info `locktime` says when it can be mined"),
    Case("locktime-date", locktime_date, Expect(warnings={"locktime": INFO}, signs=(0,)),
         "nLockTime 2030-01-01: info `locktime` shows the date"),
    Case("odd-tx-version", odd_tx_version, Expect(warnings={"tx-version": INFO}, signs=(0,)),
         "transaction version 0x7fffffff: info `tx-version` (nodes relay versions 1 to 3), and "
         "the review's `tx_version` field shows it; signed"),
    Case("mainnet-coins-on-testnet", mainnet_coins_on_testnet,
         Expect(warnings={"network-mismatch": DANGER, "unknown-wallet": DANGER,
                          "fake-change": DANGER}, signs=REFUSED),
         "a mainnet vault's coins and change on the testnet device: danger "
         "`network-mismatch` (coin type 0), and `unknown-wallet` and `fake-change` since no "
         "registered wallet derives them; refused"),
    Case("testnet-coins-on-mainnet", testnet_coins_on_mainnet,
         Expect(warnings={"network-mismatch": DANGER, "unknown-wallet": DANGER,
                          "fake-change": DANGER}, signs=REFUSED),
         "a testnet spend on a mainnet device: the same three dangers, refused",
         network=Network.MAIN),
    Case("global-xpubs-of-another-wallet", global_xpubs_of_another_wallet,
         Expect(signs=(0,), kinds=("external", "change")),
         "global xpubs of another wallet: ignored; the registered wallet alone decides "
         "what is ours, and the spend is signed as the vault's"),
    Case("global-xpubs-of-another-network", global_xpubs_of_another_network,
         Expect(warnings={"network-mismatch": DANGER}, signs=REFUSED),
         "mainnet xpubs in a testnet PSBT: danger `network-mismatch`, refused"),
    Case("zero-fingerprints", zero_fingerprints,
         Expect(signs=(0,), kinds=("external", "change")),
         "fingerprints 00000000: input and change matched by re-deriving the listed public "
         "keys from the registered wallet; signed"),
    Case("missing-derivations", missing_derivations,
         Expect(warnings={"foreign-input": CAUTION}, signs=REFUSED,
                kinds=("external", "external")),
         "no derivations at all: the input cannot be attributed (caution `foreign-input`), "
         "nothing to sign"),
    Case("v2-claims-billions-of-inputs", v2_claims_billions_of_inputs,
         Expect(refused=InvalidPSBT),
         "a PSBTv2 claiming 4,000,000,000 inputs: refused from the count alone, before any map "
         "is read"),
    Case("tap-tree-too-deep", tap_tree_too_deep, Expect(refused=InvalidPSBT),
         "an output taproot tree with a leaf at depth 200: refused on load (BIP-341 allows "
         "128)"),
    Case("ten-thousand-inputs", ten_thousand_inputs, Expect(refused=InvalidPSBT),
         "10,000 inputs: the unsigned transaction exceeds the 100 kvB standard size: refused "
         "on load before any input map is parsed"),
    Case("ten-thousand-outputs", ten_thousand_outputs, Expect(refused=InvalidPSBT),
         "10,000 outputs: likewise refused on load"),
    Case("legacy-without-previous-tx", legacy_without_previous_tx,
         Expect(warnings={"missing-previous-tx": DANGER}, signs=REFUSED),
         "a P2SH (pre-segwit) multisig input of ours with only a witness UTXO and no redeem "
         "script: danger `missing-previous-tx` (a legacy signature does not commit to the "
         "amount, so the fee cannot be proven); refused, and no override can sign it"),
    Case("sighash-single-without-output", sighash_single_without_output,
         Expect(warnings={"sighash-refused": DANGER}, signs=REFUSED),
         "SIGHASH_SINGLE on input 3 of a transaction with two outputs (the legacy digest is the "
         "constant 1: the signature could spend the coin anywhere): danger `sighash-refused`; "
         "no override can sign it"),
    Case("sighash-not-standard", sighash_not_standard,
         Expect(warnings={"sighash-refused": DANGER}, signs=REFUSED),
         "sighash 0x41 (not one of the six standard types): danger `sighash-refused`; no "
         "override can sign it"),
    Case("invalid-existing-signatures", invalid_existing_signatures,
         Expect(warnings={"invalid-signature": CAUTION}, signs=(0,)),
         "signatures under our key and cosigner 1's that sign another message: neither counts "
         "as signed (caution `invalid-signature`); signing replaces ours with a valid one and "
         "says so"),
    Case("sequence-zero-all", sequence_zero_all, Expect(signs=(0, 1)),
         "nSequence 0 on every input: signed over exactly that transaction (BDK finalizes it)"),
    Case("sequence-zero-some", sequence_zero_some, Expect(signs=(0, 1, 2)),
         "nSequence 0, 0xfffffffd and 0xffffffff on three inputs: each signed over exactly "
         "that transaction"),
    Case("tx-version-0", _version(0), Expect(warnings={"tx-version": INFO}, signs=(0,)),
         "transaction version 0: reviewed (`tx_version` 0, info `tx-version`) and signed as "
         "version 0, not 2"),
    Case("tx-version-1", _version(1), Expect(signs=(0,)), "transaction version 1: signed as is"),
    Case("tx-version-3", _version(3), Expect(signs=(0,)),
         "transaction version 3 (TRUC): signed as is"),
    Case("locktime-not-in-force", locktime_not_in_force, Expect(signs=(0, 1)),
         "nLockTime block 2,000,000 with every nSequence final: the locktime has no effect and "
         "no `locktime` warning is raised"),
    Case("locktime-enabled-by-sequence-zero", locktime_enabled_by_sequence_zero,
         Expect(warnings={"locktime": INFO}, signs=(0, 1)),
         "nLockTime block 2,000,000 with one nSequence 0: the locktime is in force, info "
         "`locktime`"),
    Case("v2-sequence-absent-and-zero", v2_sequence_absent_and_zero,
         Expect(warnings={"locktime": INFO}, signs=(0, 1)),
         "PSBTv2: no PSBT_IN_SEQUENCE on input 1 (0xffffffff, BIP-370), 0 on input 2, fallback "
         "locktime 2,000,000 in force: info `locktime`, signed over that transaction"),
    Case("v2-required-height-locktime", v2_required_height_locktime,
         Expect(warnings={"locktime": INFO}, signs=(0, 1)),
         "PSBTv2: input 1 allows a height or a time, input 2 requires height 850,000: the "
         "locktime is block 850,000 (BIP-370's choice), not the fallback"),
    Case("v2-required-time-locktime", v2_required_time_locktime,
         Expect(warnings={"locktime": INFO}, signs=(0, 1)),
         "PSBTv2: input 1 allows a height or a time, input 2 requires a time: the locktime is "
         "the latest required time, 2027-01-15"),
)


def write_corpus() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        case.path.write_bytes(case.build())


if __name__ == "__main__":
    write_corpus()
    print(f"wrote {len(CASES)} PSBTs to {CORPUS}")
