"""Every file of the hostile PSBT corpus gets the outcome docs/SECURITY.md claims.

The files are loaded as committed (tests/attacks/corpus/psbt/), reviewed for the device of
hostile_psbts.py and signed without overrides; a separate test proves the committed files are
exactly what the generator builds, so the corpus and its description cannot drift apart.
"""

import pytest
from embit.psbt import InputScope, OutputScope
from hostile_psbts import CASES, Case, registered, vault
from independent import finalizer, sighash
from independent.coordinator import root
from independent.ecdsa import ecdsa_valid

from signer.errors import SigningRefused
from signer.psbt import IN_PARTIAL_SIG, ParsedPSBT, load_psbt, serialize_psbt
from signer.review import REFUSAL_CODES, WARNING_CODES, Review, review_psbt
from signer.settings import Settings
from signer.sign import SignResult, sign_psbt
from signer.wallet.model import Wallet

SIGHASH_CASES = {"sighash-none": 0x02, "sighash-single": 0x03, "sighash-all-anyonecanpay": 0x81,
                 "sighash-none-anyonecanpay": 0x82, "sighash-single-anyonecanpay": 0x83}


def _review(case: Case) -> Review:
    return _reviewed(case)[1]


def _reviewed(case: Case) -> tuple[ParsedPSBT, Review, list[Wallet]]:
    psbt = load_psbt(case.path.read_bytes())
    wallets = [w.wallet for w in registered(case.network)]
    review = review_psbt(psbt, root=root(0), wallets=wallets,
                         settings=Settings(network=case.network), network=case.network)
    return psbt, review, wallets


def _sign(case: Case, allow: frozenset[str] = frozenset()) -> SignResult:
    psbt, review, wallets = _reviewed(case)
    return sign_psbt(psbt, review, root=root(0), wallets=wallets, allow=allow)


def _case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_committed_file_is_what_the_generator_builds(case: Case) -> None:
    assert case.path.read_bytes() == case.build(), f"regenerate: {case.path.name} is stale"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_psbt(case: Case) -> None:
    expect = case.expect
    if expect.refused is not None:
        with pytest.raises(expect.refused) as caught:
            load_psbt(case.path.read_bytes())
        assert "\n" not in str(caught.value)
        return
    review = _review(case)
    assert {w.code: w.severity.value for w in review.warnings} == expect.warnings
    if expect.kinds is not None:
        assert tuple(out.kind.value for out in review.outputs) == expect.kinds
    if expect.signs is None:
        with pytest.raises(SigningRefused):
            _sign(case)
    else:
        assert _sign(case).signed_inputs == expect.signs


def _bip143(tx: sighash.Tx, index: int, script_code: bytes, amount: int, hash_type: int) -> bytes:
    """BIP-143's digest for any sighash type, written from the BIP's text."""
    def dsha(data: bytes) -> bytes:
        return sighash.sha256(sighash.sha256(data))

    anyone_can_pay, base = hash_type & 0x80, hash_type & 0x1F
    zero = bytes(32)
    prevouts = zero if anyone_can_pay else dsha(b"".join(i.outpoint for i in tx.inputs))
    sequences = zero if anyone_can_pay or base in (0x02, 0x03) else dsha(
        b"".join(i.sequence.to_bytes(4, "little") for i in tx.inputs))
    if base not in (0x02, 0x03):
        outputs = dsha(b"".join(tx.outputs))
    elif base == 0x03 and index < len(tx.outputs):
        outputs = dsha(tx.outputs[index])
    else:
        outputs = zero
    this = tx.inputs[index]
    return dsha(tx.version.to_bytes(4, "little") + prevouts + sequences + this.outpoint
                + sighash.varint(len(script_code)) + script_code + amount.to_bytes(8, "little")
                + this.sequence.to_bytes(4, "little") + outputs + tx.locktime.to_bytes(4, "little")
                + hash_type.to_bytes(4, "little"))


@pytest.mark.parametrize("name", SIGHASH_CASES)
def test_non_all_sighash_is_signed_as_asked_only_when_allowed(name: str) -> None:
    case = next(c for c in CASES if c.name == name)
    result = _sign(case, allow=frozenset({"sighash"}))
    assert result.signed_inputs == (0,)
    signed = serialize_psbt(result.psbt)
    tx, utxos, input_maps = sighash.read_psbt_v0(signed)
    ours = root(0).derive(list(vault().wallet.keys[0].origin_path) + [0, 0]).key.sec()
    signature = input_maps[0][bytes([IN_PARTIAL_SIG]) + ours]
    value = SIGHASH_CASES[name]
    assert signature[-1] == value
    utxo = utxos[0]
    assert utxo is not None
    script_code = vault().derive(False, 0).witness_script().data
    digest = _bip143(tx, 0, script_code, utxo.amount, value)
    assert ecdsa_valid(ours, signature[:-1], digest)


def test_review_of_dust_and_non_standard_outputs_shows_their_scripts() -> None:
    dust = _review(next(c for c in CASES if c.name == "dust-output"))
    assert dust.outputs[1].amount == 293 and dust.outputs[1].address is not None
    odd = _review(next(c for c in CASES if c.name == "non-standard-output"))
    assert odd.outputs[0].address is None and odd.outputs[0].script == "51"
    assert odd.spend == 60_000


def test_change_without_derivations_counts_as_sent() -> None:
    review = _review(next(c for c in CASES if c.name == "change-without-derivations"))
    assert review.spend == 60_000 + 39_000
    assert review.outputs[1].address == vault().derive(True, 3).address(
        review.network.params)


def test_loaded_scopes_do_not_share_embit_default_dicts() -> None:
    # embit's InputScope()/OutputScope() share one mutable default `unknown` dict; signing a
    # taproot input writes into its `unknown`, which would then leak into every scope
    # created later in the process. Loaded PSBTs must own fresh dicts.
    shared_input, shared_output = InputScope().unknown, OutputScope().unknown
    for case in CASES:
        if case.expect.refused is None:
            psbt = load_psbt(case.path.read_bytes())
            assert all(inp.unknown is not shared_input for inp in psbt.inputs)
            assert all(out.unknown is not shared_output for out in psbt.outputs)



TAP_CASES = ["tap-leaf-script-swapped", "tap-internal-key-claimed-ours",
             "tap-control-block-other-tree"]


@pytest.mark.parametrize("name", TAP_CASES)
def test_taproot_contradictions_are_not_signed_even_when_allowed(name: str) -> None:
    """script-mismatch may be overridden, but a tree the PSBT contradicts gets no signature
    (no script path, no key path): the signer says why."""
    result = _sign(_case(name), allow=frozenset({"script-mismatch"}))
    assert result.signatures == 0 and result.signed_inputs == ()
    assert [(w.code, w.input_index) for w in result.skipped] == [("not-wallet-script", 0)]
    inp = result.psbt.inputs[0]
    assert not inp.taproot_sigs and not inp.partial_sigs and not inp.unknown


def test_fake_change_tree_is_the_tapvaults_leaves_under_another_internal_key() -> None:
    """What makes the fake change fake is only its internal key (embit derives both)."""
    from hostile_psbts import B, tap_tree, tapvault
    from independent.coordinator import tap_fields

    psbt = load_psbt(_case("fake-change-tap-tree").path.read_bytes())
    real, fake = tap_fields(tapvault(), True, 0), tap_fields(tap_tree(B), True, 0)
    assert [leaf[1] for leaf in real.leaves] == [leaf[1] for leaf in fake.leaves]
    assert psbt.tx.vout[1].script_pubkey == tap_tree(B).derive(True, 0).script_pubkey()
    assert psbt.tx.vout[1].script_pubkey != tapvault().derive(True, 0).script_pubkey()


REFUSED_CASES = [c for c in CASES if set(c.expect.warnings) & REFUSAL_CODES]


@pytest.mark.parametrize("case", REFUSED_CASES, ids=[c.name for c in REFUSED_CASES])
def test_refusals_cannot_be_overridden(case: Case) -> None:
    review = _review(case)
    assert review.refusals() and not any(w.overridable for w in review.refusals())
    with pytest.raises(SigningRefused, match="no override can sign this"):
        _sign(case, allow=WARNING_CODES)


def test_contradicting_witness_utxo_shows_the_proven_amount() -> None:
    review = _review(_case("witness-utxo-disagrees"))
    # the previous transaction hashes to the prevout: its 100,000 sats are the truth
    assert review.inputs[0].amount == 100_000 and review.inputs[0].ours
    assert review.inputs[0].wallet == "vault"
    assert review.fee == 100_000 - 60_000 - 39_000


def test_invalid_signatures_do_not_count_and_ours_is_replaced() -> None:
    case = _case("invalid-existing-signatures")
    original = case.path.read_bytes()
    review = _review(case)
    assert review.inputs[0].signed_by == ()
    assert set(review.inputs[0].unverified) == {root(0).my_fingerprint.hex(),
                                                root(1).my_fingerprint.hex()}
    result = _sign(case)
    assert result.signed_inputs == (0,) and result.replaced == (0,)
    tx, utxos, _ = sighash.read_psbt(original)
    ours = root(0).derive(list(vault().wallet.keys[0].origin_path) + [0, 0]).key.sec()
    signed_maps = sighash.read_maps_in_order(serialize_psbt(result.psbt))[1][0]
    signature = dict(signed_maps)[bytes([IN_PARTIAL_SIG]) + ours]
    assert signature != dict(sighash.read_maps_in_order(original)[1][0])[
        bytes([IN_PARTIAL_SIG]) + ours]
    utxo = utxos[0]
    assert utxo is not None
    digest = sighash.bip143(tx, 0, vault().derive(False, 0).witness_script().data, utxo.amount)
    assert ecdsa_valid(ours, signature[:-1], digest)


# (version, nLockTime, nSequences) of the transaction each case's coordinator built
TX_SHAPES = {
    "sequence-zero-all": (2, 0, (0, 0)),
    "sequence-zero-some": (2, 0, (0, 0xFFFFFFFD, 0xFFFFFFFF)),
    "tx-version-0": (0, 0, (0xFFFFFFFD,)),
    "tx-version-1": (1, 0, (0xFFFFFFFD,)),
    "tx-version-3": (3, 0, (0xFFFFFFFD,)),
    "locktime-not-in-force": (2, 2_000_000, (0xFFFFFFFF, 0xFFFFFFFF)),
    "locktime-enabled-by-sequence-zero": (2, 2_000_000, (0xFFFFFFFF, 0)),
    "v2-sequence-absent-and-zero": (2, 2_000_000, (0xFFFFFFFF, 0)),
    "v2-required-height-locktime": (2, 850_000, (0xFFFFFFFE, 0xFFFFFFFE)),
    "v2-required-time-locktime": (2, 1_800_000_000, (0xFFFFFFFE, 0xFFFFFFFE)),
}


@pytest.mark.parametrize("name", TX_SHAPES)
def test_signed_over_the_psbts_own_transaction(name: str) -> None:
    """The review shows the PSBT's transaction, our signatures verify over it (digests from
    the raw bytes, BIP-370 applied independently), and BDK finalizes it once cosigner 1 has
    signed too: version, locktime and every nSequence survive as the coordinator built them."""
    case = _case(name)
    original = case.path.read_bytes()
    tx, utxos, _ = sighash.read_psbt(original)
    version, locktime, sequences = TX_SHAPES[name]
    assert (tx.version, tx.locktime, tuple(i.sequence for i in tx.inputs)) == TX_SHAPES[name]
    psbt, review, wallets = _reviewed(case)
    assert (review.tx_version, review.locktime) == (version, locktime)
    signed = serialize_psbt(sign_psbt(psbt, review, root=root(0), wallets=wallets).psbt)
    ours = root(0).derive(list(vault().wallet.keys[0].origin_path))
    for index, pairs in enumerate(sighash.read_maps_in_order(signed)[1]):
        pub = ours.derive([0, index]).key.sec()
        signature = dict(pairs)[bytes([IN_PARTIAL_SIG]) + pub]
        utxo = utxos[index]
        assert utxo is not None
        script_code = vault().derive(False, index).witness_script().data
        assert ecdsa_valid(pub, signature[:-1], sighash.bip143(tx, index, script_code,
                                                               utxo.amount))
    second = load_psbt(signed)
    second_review = review_psbt(second, root=root(1), wallets=wallets,
                                settings=Settings(network=case.network), network=case.network)
    assert len(second_review.inputs[0].signed_by) == 1  # ours verified over the same tx
    both = sign_psbt(second, second_review, root=root(1), wallets=wallets)
    final = finalizer.finalize(serialize_psbt(both.psbt))
    assert (final.version, final.locktime, final.sequences) == TX_SHAPES[name]


# What each allowed non-ALL type leaves open, as the warning must say it.
WHAT_CAN_CHANGE = {
    "sighash-none": "signs no output: whoever holds the transaction can send this coin anywhere",
    "sighash-single": "signs only output 1: every other output can be changed",
    "sighash-all-anyonecanpay": "other inputs can be added or removed after signing",
    "sighash-none-anyonecanpay": "can spend this coin in any transaction, to anyone",
    "sighash-single-anyonecanpay": "signs only this input and output 1",
}


@pytest.mark.parametrize("name", WHAT_CAN_CHANGE)
def test_sighash_warning_says_what_can_change(name: str) -> None:
    (warning,) = [w for w in _review(_case(name)).warnings if w.code == "sighash"]
    assert WHAT_CAN_CHANGE[name] in warning.message and warning.overridable
