"""The review: output kinds that only verified scripts earn, every warning code, fee and vsize."""

import json

import pytest
from conftest import load_vectors
from embit.psbt import PSBT, DerivationPath
from embit.script import Script, Witness
from embit.transaction import Transaction, TransactionOutput
from independent.coordinator import (
    Pay,
    Spend,
    build_psbt,
    external_script,
    make_wallet,
    root,
)

from signer.errors import InvalidPSBT
from signer.network import Network
from signer.psbt import load_psbt
from signer.review import OutputKind, Review, Severity, review_psbt
from signer.scripts import HARDENED, ScriptType
from signer.settings import Settings

NET = Network.TEST
WORKFLOW = load_vectors("psbt/bip174_vectors.json")["workflow"]


def review(psbt: PSBT, wallets: tuple = (), *, signer: int = 0,
           settings: Settings | None = None, network: Network = NET,
           through_loader: bool = True) -> Review:
    loaded = load_psbt(psbt.serialize()) if through_loader else psbt
    return review_psbt(loaded, root=root(signer), wallets=[w.wallet for w in wallets],
                       settings=settings or Settings(network=network), network=network)


def codes(result: Review) -> dict[str, Severity]:
    return {w.code: w.severity for w in result.warnings}


@pytest.fixture(scope="module")
def vault():
    return make_wallet()


def plain_spend(vault, pays: list[Pay], **spend: object) -> PSBT:
    return build_psbt([Spend(vault, False, 0, 100_000, **spend)], pays)  # type: ignore[arg-type]


# --- kinds ---------------------------------------------------------------------------------
def test_kinds_and_json_schema(vault) -> None:
    op_return = Script(b"\x6a\x04test")
    psbt = plain_spend(vault, [Pay(50_000, external_script()),
                               Pay(39_000, wallet=vault, change=True, index=4),
                               Pay(10_000, wallet=vault, change=False, index=8),
                               Pay(0, op_return)])
    result = review(psbt, (vault,))
    assert [o.kind for o in result.outputs] == [OutputKind.EXTERNAL, OutputKind.CHANGE,
                                                OutputKind.SELF, OutputKind.OP_RETURN]
    assert result.outputs[1].path == "m/48h/1h/0h/2h/1/4"
    assert result.outputs[2].wallet == "vault"
    assert result.outputs[1].address == vault.derive(True, 4).address(NET.params)
    assert result.fee == 1_000 and result.spend == 50_000
    assert result.warnings == ()
    data = json.loads(json.dumps(result.to_json()))
    assert set(data) >= {"network", "inputs", "outputs", "fee", "fee_rate", "warnings"}
    assert data["inputs"][0] | {"prevout": None} == {
        "index": 0, "prevout": None, "amount": 100_000, "ours": True, "wallet": "vault",
        "path": "m/48h/1h/0h/2h/0/0", "sighash": "ALL", "signed_by": [],
        "unverified_signatures": []}
    assert data["outputs"][3]["kind"] == "op_return" and data["outputs"][3]["address"] is None


def test_zero_fingerprints_still_match_by_pubkey(vault) -> None:
    psbt = plain_spend(vault, [Pay(60_000, external_script()),
                               Pay(30_000, wallet=vault, change=True, index=2)])
    for scope in (psbt.inputs[0], psbt.outputs[1]):
        for pub, der in scope.bip32_derivations.items():
            scope.bip32_derivations[pub] = DerivationPath(bytes(4), der.derivation)
    result = review(psbt, (vault,))
    assert result.inputs[0].ours and result.outputs[1].kind is OutputKind.CHANGE
    assert "fake-change" not in codes(result)


def test_fake_change_wrong_index(vault) -> None:
    change = Pay(30_000, wallet=vault, change=True, index=2)
    psbt = plain_spend(vault, [Pay(60_000, external_script()), change])
    psbt.outputs[1].bip32_derivations.clear()
    psbt.outputs[1].bip32_derivations.update(vault.derivations(True, 3))  # script is index 2
    result = review(psbt, (vault,))
    assert result.outputs[1].kind is OutputKind.EXTERNAL
    assert codes(result)["fake-change"] is Severity.DANGER
    warning = result.blocking()[0]
    assert warning.output_index == 1
    # Named as the screens name the output, with what it pays (the PSBT's own tx says 30,000).
    assert warning.where() == "Output 2/2 · 30,000 sats"
    assert warning.text().startswith("Output 2/2 · 30,000 sats: it claims to be our change")
    assert warning.to_json() | {"message": None} == {
        "code": "fake-change", "severity": "danger", "message": None, "output": 1,
        "amount": psbt.tx.vout[1].value, "overridable": True}


def test_fake_change_other_script(vault) -> None:
    forged = Pay(39_000, external_script("thief"), derivations=vault.derivations(True, 1))
    result = review(plain_spend(vault, [Pay(60_000, external_script()), forged]), (vault,))
    assert result.outputs[1].kind is OutputKind.EXTERNAL
    assert codes(result) == {"fake-change": Severity.DANGER, "no-change": Severity.INFO}


def test_change_is_only_to_the_wallet_being_spent(vault) -> None:
    savings = make_wallet(ScriptType.P2SH_P2WSH, name="savings")
    mine = make_wallet(ScriptType.P2WPKH, cosigners=(0,), threshold=1)
    pays = [Pay(50_000, external_script()), Pay(30_000, wallet=savings, change=True, index=1),
            Pay(19_000, wallet=mine, change=False, index=2)]
    result = review(plain_spend(vault, pays), (vault, savings))
    assert [o.kind for o in result.outputs] == [OutputKind.EXTERNAL, OutputKind.TRANSFER,
                                                OutputKind.TRANSFER]
    assert [o.wallet for o in result.outputs[1:]] == ["savings", "p2wpkh account 0"]
    assert result.spend == 50_000 and result.transfer == 49_000
    assert [w.output_index for w in result.warnings if w.code == "transfer"] == [1, 2]
    assert json.loads(json.dumps(result.to_json()))["transfer"] == 49_000
    # Spending both wallets: change to either of them is change.
    both = build_psbt([Spend(vault, False, 0, 50_000), Spend(savings, False, 0, 50_000)],
                      [Pay(60_000, external_script()),
                       Pay(39_000, wallet=savings, change=True, index=1)])
    mixed = review(both, (vault, savings))
    assert mixed.outputs[1].kind is OutputKind.CHANGE and "transfer" not in codes(mixed)


# --- input warnings --------------------------------------------------------------------------
def test_sighash_warning(vault) -> None:
    psbt = plain_spend(vault, [Pay(99_000, external_script())])
    psbt.inputs[0].sighash_type = 0x83
    result = review(psbt, (vault,))
    assert result.inputs[0].sighash == "SINGLE|ANYONECANPAY"
    assert codes(result)["sighash"] is Severity.DANGER
    strangers = make_wallet(cosigners=(1, 2, 3))
    foreign = build_psbt([Spend(strangers, False, 0, 100_000)], [Pay(99_000, external_script())])
    foreign.inputs[0].sighash_type = 0x83  # someone else's input: our ALL signatures still hold
    assert "sighash" not in codes(review(foreign, (vault,)))


def test_utxo_mismatch_between_copies(vault) -> None:
    psbt = plain_spend(vault, [Pay(99_000, external_script())], full_tx=True)
    utxo = psbt.inputs[0].witness_utxo
    psbt.inputs[0].witness_utxo = TransactionOutput(utxo.value - 50_000, utxo.script_pubkey)
    result = review(psbt, (vault,))
    assert codes(result)["utxo-mismatch"] is Severity.DANGER
    # the previous transaction is the truth: its amount, the real fee, the input ours
    assert result.inputs[0].amount == 100_000 and result.inputs[0].ours
    assert result.fee == 1_000
    assert not result.blocking()[0].overridable


def test_utxo_mismatch_wrong_previous_tx(vault) -> None:
    psbt = plain_spend(vault, [Pay(99_000, external_script())], full_tx=True)
    prev = psbt.inputs[0].non_witness_utxo
    psbt.inputs[0].non_witness_utxo = Transaction(version=prev.version, vin=prev.vin,
                                                  vout=prev.vout, locktime=prev.locktime + 1)
    with pytest.raises(InvalidPSBT, match="previous transaction"):
        load_psbt(psbt.serialize())  # the loader refuses it, as Core does
    result = review(psbt, (vault,), through_loader=False)  # a PSBT from elsewhere
    assert codes(result)["utxo-mismatch"] is Severity.DANGER


def test_missing_utxo(vault) -> None:
    psbt = plain_spend(vault, [Pay(99_000, external_script())])
    psbt.inputs[0].witness_utxo = None
    psbt.inputs[0].non_witness_utxo = None
    result = review(psbt, (vault,))
    assert codes(result)["missing-utxo"] is Severity.DANGER
    assert result.inputs[0].amount is None and result.fee is None and result.fee_rate is None


def test_unproven_amount_without_the_previous_transaction(vault) -> None:
    """BIP-143 signs the stated amount only: without the previous transaction the device
    says the amount (and so the fee) is unproven, and says nothing when it is given."""
    proven = plain_spend(vault, [Pay(99_000, external_script())])
    assert "unproven-amount" not in codes(review(proven, (vault,)))
    proven.inputs[0].non_witness_utxo = None
    result = review(proven, (vault,))
    assert codes(result)["unproven-amount"] is Severity.CAUTION
    assert result.fee == 1_000 and not result.blocking()


def test_foreign_and_mixed_inputs(vault) -> None:
    other_vault = make_wallet(cosigners=(0, 2, 3), name="other")
    strangers = make_wallet(cosigners=(1, 2, 3), name="strangers")
    psbt = build_psbt([Spend(vault, False, 0, 50_000), Spend(other_vault, False, 0, 50_000),
                       Spend(strangers, False, 0, 50_000)],
                      [Pay(140_000, external_script())])
    result = review(psbt, (vault, other_vault))
    assert [i.wallet for i in result.inputs] == ["vault", "other", None]
    found = codes(result)
    assert found["foreign-input"] is Severity.CAUTION
    assert found["mixed-wallets"] is Severity.CAUTION
    assert not result.blocking()


def test_unknown_wallet(vault) -> None:
    unregistered = make_wallet(cosigners=(0, 1, 3), name="secret")
    psbt = build_psbt([Spend(unregistered, False, 0, 50_000)], [Pay(40_000, external_script())])
    result = review(psbt, (vault,))
    assert codes(result)["unknown-wallet"] is Severity.DANGER
    assert not result.inputs[0].ours
    derivations = psbt.inputs[0].bip32_derivations
    for pub, der in derivations.items():
        derivations[pub] = DerivationPath(bytes(4), der.derivation)  # hidden fingerprints
    assert codes(review(psbt, (vault,)))["unknown-wallet"] is Severity.DANGER


def test_script_mismatch(vault) -> None:
    psbt = plain_spend(vault, [Pay(99_000, external_script())])
    psbt.inputs[0].witness_script = vault.derive(False, 1).witness_script()
    result = review(psbt, (vault,))
    assert codes(result)["script-mismatch"] is Severity.DANGER
    assert not result.inputs[0].ours


def test_legacy_input_needs_its_previous_transaction() -> None:
    mine = make_wallet(ScriptType.P2PKH, cosigners=(0,), threshold=1)
    psbt = build_psbt([Spend(mine, False, 2, 10_000)], [Pay(9_000, external_script())])
    assert review(psbt).inputs[0].ours
    inp = psbt.inputs[0]
    assert inp.non_witness_utxo is not None
    inp.witness_utxo, inp.non_witness_utxo = inp.non_witness_utxo.vout[inp.vout], None
    result = review(psbt)
    assert codes(result)["script-mismatch"] is Severity.DANGER
    assert not result.inputs[0].ours


# --- amounts ----------------------------------------------------------------------------------
def test_high_fee_absolute_and_share(vault) -> None:
    settings = Settings(network=NET, high_fee_sats=5_000, high_fee_percent=50)
    absolute = review(plain_spend(vault, [Pay(90_000, external_script())]), (vault,),
                      settings=settings)
    assert codes(absolute)["high-fee"] is Severity.CAUTION
    share = review(plain_spend(vault, [Pay(40_000, external_script()),
                                       Pay(55_000, wallet=vault, change=True, index=0)]),
                   (vault,), settings=Settings(network=NET, high_fee_percent=10))
    assert codes(share)["high-fee"] is Severity.CAUTION
    ruinous = review(plain_spend(vault, [Pay(1_000, external_script())]), (vault,))
    assert codes(ruinous)["high-fee"] is Severity.DANGER  # fee exceeds the amount sent
    fine = review(plain_spend(vault, [Pay(99_000, external_script())]), (vault,))
    assert "high-fee" not in codes(fine)


def test_outputs_above_inputs(vault) -> None:
    result = review(plain_spend(vault, [Pay(100_001, external_script())]), (vault,))
    assert codes(result)["high-fee"] is Severity.DANGER and result.fee == -1


def test_no_change(vault) -> None:
    result = review(plain_spend(vault, [Pay(99_000, external_script())]), (vault,))
    assert codes(result) == {"no-change": Severity.INFO}


def test_large_index(vault) -> None:
    psbt = build_psbt([Spend(vault, False, 5_000, 100_000)],
                      [Pay(50_000, external_script()),
                       Pay(49_000, wallet=vault, change=True, index=1_001)])
    result = review(psbt, (vault,))
    danger = [w for w in result.warnings if w.code == "large-index"]
    assert [(w.severity, w.input_index, w.output_index) for w in danger] == [
        (Severity.CAUTION, 0, None), (Severity.DANGER, None, 1)]
    relaxed = review(psbt, (vault,), settings=Settings(network=NET, large_index_warning=10_000))
    assert "large-index" not in codes(relaxed)


def test_network_mismatch_by_coin_type(vault) -> None:
    psbt = plain_spend(vault, [Pay(99_000, external_script())])
    ours = root(0).derive([84 + HARDENED, HARDENED, HARDENED, 0, 0])
    psbt.inputs[0].bip32_derivations[ours.key.get_public_key()] = DerivationPath(
        root(0).my_fingerprint, [84 + HARDENED, HARDENED, HARDENED, 0, 0])  # coin 0 = mainnet
    result = review(psbt, (vault,))
    assert codes(result)["network-mismatch"] is Severity.DANGER
    # No address in the device's encoding for a PSBT of another network; the script stays.
    assert [o.address for o in result.outputs] == [None]
    assert result.outputs[0].script == external_script().data.hex()


def test_testnet_change_on_a_mainnet_device_has_no_mainnet_address(vault) -> None:
    psbt = plain_spend(vault, [Pay(60_000, external_script()),
                               Pay(39_000, wallet=vault, change=True, index=4)])
    for wallets in ((), (vault,)):  # the testnet wallet registered (before a switch) or not
        result = review(psbt, wallets, network=Network.MAIN)
        assert codes(result)["network-mismatch"] is Severity.DANGER
        assert [o.address for o in result.outputs] == [None, None]


def test_network_mismatch_by_global_xpub(vault) -> None:
    psbt = plain_spend(vault, [Pay(99_000, external_script())])
    account = root(0).derive([48 + HARDENED, HARDENED, HARDENED, 2 + HARDENED])
    mainnet = account.to_public(version=Network.MAIN.params["xpub"])
    psbt.xpubs[mainnet] = DerivationPath(root(0).my_fingerprint, [48 + HARDENED, HARDENED,
                                                                   HARDENED, 2 + HARDENED])
    assert codes(review(psbt, (vault,)))["network-mismatch"] is Severity.DANGER
    psbt.xpubs.clear()
    testnet = account.to_public(version=NET.params["xpub"])
    psbt.xpubs[testnet] = DerivationPath(root(0).my_fingerprint, [48 + HARDENED, HARDENED,
                                                                   HARDENED, 2 + HARDENED])
    assert "network-mismatch" not in codes(review(psbt, (vault,)))


def test_bip371_taproot_psbt_reviews() -> None:
    vector = next(v for v in load_vectors("psbt/bip371_vectors.json")["vectors"]
                  if v["expect"] == "valid" and "key only input" in v["description"])
    result = review_psbt(load_psbt(vector["hex"]), root=root(0), wallets=[],
                         settings=Settings(network=NET), network=NET)
    assert result.inputs[0].sighash == "DEFAULT" and not result.inputs[0].ours
    assert result.fee is not None and result.fee > 0
    assert codes(result)["foreign-input"] is Severity.CAUTION


def test_network_mismatch_by_wallet(vault) -> None:
    result = review(plain_spend(vault, [Pay(99_000, external_script())]), (vault,),
                    network=Network.SIGNET)
    assert codes(result)["network-mismatch"] is Severity.DANGER


def test_locktime() -> None:
    vault = make_wallet()
    psbt = build_psbt([Spend(vault, False, 0, 100_000)], [Pay(99_000, external_script())],
                      locktime=850_000)
    result = review(psbt, (vault,))
    assert codes(result)["locktime"] is Severity.INFO and result.locktime == 850_000
    assert "850,000" in next(w.message for w in result.warnings if w.code == "locktime")
    final = build_psbt([Spend(vault, False, 0, 100_000, sequence=0xFFFFFFFF)],
                       [Pay(99_000, external_script())], locktime=850_000)
    assert "locktime" not in codes(review(final, (vault,)))  # final sequences disable it


# --- vsize ------------------------------------------------------------------------------------
def _actual_vsize(tx_hex: str) -> int:
    tx = Transaction.from_string(tx_hex)
    full = len(tx.serialize())
    for vin in tx.vin:
        vin.witness = Witness([])
    base = len(tx.serialize())
    return (base * 3 + full + 3) // 4


def test_vsize_estimate_against_the_bip174_transaction() -> None:
    actual = _actual_vsize(WORKFLOW["extractor"]["expected_tx_hex"])
    unsigned = review_psbt(load_psbt(WORKFLOW["updater_sighash"]["expected_psbt"]["hex"]),
                           root=root(0), wallets=[], settings=Settings(network=NET), network=NET)
    # 4 signatures counted at 73 bytes; the real ones are 71-72: at most 2 vbytes each on the
    # P2SH input (scriptSig), a quarter of that on the P2SH-P2WSH one (witness).
    assert actual <= unsigned.vsize <= actual + 5
    finalized = review_psbt(load_psbt(WORKFLOW["finalizer"]["expected_psbt"]["hex"]),
                            root=root(0), wallets=[], settings=Settings(network=NET),
                            network=NET)
    assert finalized.vsize == actual


def test_fee_rate_for_a_registered_wallet(vault) -> None:
    psbt = build_psbt([Spend(vault, False, 0, 100_000), Spend(vault, False, 1, 100_000)],
                      [Pay(150_000, external_script()),
                       Pay(49_000, wallet=vault, change=True, index=0)])
    result = review(psbt, (vault,))
    # by hand: base 10 + outputs 31 + 43 + inputs 2 x 41 = 166 vbytes x 4;
    # witness 2 x (1 + 1 + 2 x 74 + 1 + 105) + 2 = 514 -> (664 + 514) / 4 = 294.5
    assert result.vsize == 295
    assert result.fee == 1_000 and result.fee_rate == round(1_000 / 295, 2)


def test_single_sig_types_match_own_accounts() -> None:
    for script_type in (ScriptType.P2WPKH, ScriptType.P2SH_P2WPKH, ScriptType.P2PKH,
                        ScriptType.P2TR):
        mine = make_wallet(script_type, cosigners=(0,), threshold=1)
        psbt = build_psbt([Spend(mine, False, 3, 10_000)],
                          [Pay(9_000, wallet=mine, change=True, index=1)])
        result = review(psbt)
        assert result.inputs[0].ours, script_type
        assert result.outputs[0].kind is OutputKind.CHANGE
        assert result.inputs[0].sighash == ("DEFAULT" if script_type is ScriptType.P2TR
                                            else "ALL")
