"""Signing: the BIP-174 and Core signer vectors, and our wallets' PSBTs checked independently.

Every signature made here is verified with code that is not embit: the digest from
tests/independent/sighash.py (hashlib only), ECDSA with `cryptography`, Schnorr with the
BIP-340 transcription in tests/independent/bip340.py.
"""

import hashlib

import pytest
from conftest import load_vectors
from embit.ec import PrivateKey
from embit.util import secp256k1
from independent import bip340, finalizer, sighash
from independent.coordinator import (
    Pay,
    Spend,
    build_psbt,
    external_script,
    make_wallet,
    root,
)
from independent.ecdsa import ecdsa_valid

from signer.errors import SigningRefused
from signer.network import Network
from signer.psbt import load_psbt, serialize_psbt, unsigned_transaction
from signer.review import Review, review_psbt
from signer.scripts import ScriptType
from signer.settings import Settings
from signer.sign import SignResult, sign_ecdsa_low_r, sign_psbt

WORKFLOW = load_vectors("psbt/bip174_vectors.json")["workflow"]
CORE_SIGNER = load_vectors("psbt/rpc_psbt.json")["signer"]
NET = Network.TEST
SETTINGS = Settings(network=NET)


def r_is_low(der: bytes) -> bool:
    r_length = der[3]
    return r_length <= 32 and der[4] < 0x80


# --- vectors -----------------------------------------------------------------------------
def _sign_with_wifs(psbt_text: str, wifs: list[str]) -> dict[tuple[int, bytes], bytes]:
    """Sign the inputs each WIF key appears in, as airsign's signer does."""
    psbt = load_psbt(psbt_text)
    tx = unsigned_transaction(psbt)
    made = {}
    for wif in wifs:
        key = PrivateKey.from_wif(wif)
        pub = key.get_public_key()
        for index, inp in enumerate(psbt.inputs):
            script = inp.witness_script or inp.redeem_script
            if script is None or pub.sec() not in script.data:
                continue
            sighash_type = inp.sighash_type or 1
            if inp.witness_script is not None:
                digest = tx.sighash_segwit(index, inp.witness_script, inp.utxo.value, sighash_type)
            else:
                digest = tx.sighash_legacy(index, inp.redeem_script, sighash_type)
            made[(index, pub.sec())] = sign_ecdsa_low_r(key.secret, digest) + bytes([sighash_type])
            psbt.add_partial_sig(index, pub.sec(), made[(index, pub.sec())])
    made[(-1, b"")] = serialize_psbt(psbt)
    return made


def _expected_sigs(psbt_text: str) -> dict[tuple[int, bytes], bytes]:
    psbt = load_psbt(psbt_text)
    return {(i, pub.sec()): sig for i, inp in enumerate(psbt.inputs)
            for pub, sig in inp.partial_sigs.items()}


@pytest.mark.parametrize("step", ["signer1", "signer2"])
def test_bip174_workflow_signers(step: str) -> None:
    before = WORKFLOW["updater_sighash"]["expected_psbt"]["hex"]
    expected = _expected_sigs(WORKFLOW[step]["expected_psbt"]["hex"])
    made = _sign_with_wifs(before, [key["wif"] for key in WORKFLOW[step]["keys"]])
    assert {k for k in made if k[0] >= 0} == set(expected)
    for where, signature in expected.items():
        if r_is_low(signature[:-1]):
            assert made[where] == signature
        else:
            # The BIP predates low-R grinding: its signature is RFC 6979's first try; ours
            # is Core's ground one (verified in test_core_signer_vectors).
            assert r_is_low(made[where][:-1])
            secret = PrivateKey.from_wif(next(
                k["wif"] for k in WORKFLOW[step]["keys"]
                if PrivateKey.from_wif(k["wif"]).get_public_key().sec() == where[1])).secret
            psbt = load_psbt(before)
            inp = psbt.inputs[where[0]]
            digest = unsigned_transaction(psbt).sighash_legacy(where[0], inp.redeem_script, 1)
            first_try = secp256k1.ecdsa_signature_serialize_der(secp256k1.ecdsa_sign(digest,
                                                                                     secret))
            assert first_try + b"\x01" == signature
    if step == "signer1":  # every signature low-R already: the whole PSBT is byte-identical
        assert made[(-1, b"")].hex() == WORKFLOW[step]["expected_psbt"]["hex"]


@pytest.mark.parametrize("vector", CORE_SIGNER, ids=[str(i) for i in range(len(CORE_SIGNER))])
def test_core_signer_vectors(vector: dict) -> None:
    before = _expected_sigs(vector["psbt"])
    expected = _expected_sigs(vector["result"])
    made = _sign_with_wifs(vector["psbt"], vector["privkeys"])
    new = {k: v for k, v in expected.items() if k not in before}
    for where, signature in new.items():
        assert made[where] == signature  # Core grinds for low R exactly as we do
    assert all(r_is_low(sig[:-1]) for where, sig in made.items() if where[0] >= 0)


# --- our wallets ---------------------------------------------------------------------------
def _review(psbt_bytes: bytes, signer: int = 0, wallets: tuple = ()) -> tuple:
    psbt = load_psbt(psbt_bytes)
    review = review_psbt(psbt, root=root(signer), wallets=[w.wallet for w in wallets],
                         settings=SETTINGS, network=NET)
    return psbt, review


def _sign(psbt_bytes: bytes, wallets: tuple, signer: int = 0, **options: object) -> tuple[
        SignResult, Review]:
    psbt, review = _review(psbt_bytes, signer, wallets)
    result = sign_psbt(psbt, review, root=root(signer), wallets=[w.wallet for w in wallets],
                       **options)  # type: ignore[arg-type]
    return result, review


def _new_sigs(original: bytes, signed: bytes) -> dict[int, list[tuple[bytes, bytes]]]:
    """Input keys present after signing but not before; asserts nothing else changed."""
    g0, in0, out0 = sighash.read_maps_in_order(original)
    g1, in1, out1 = sighash.read_maps_in_order(signed)
    new: dict[int, list[tuple[bytes, bytes]]] = {}
    stripped = []
    for index, (before, after) in enumerate(zip(in0, in1, strict=True)):
        added = [kv for kv in after if kv not in before]
        new[index] = added
        stripped.append([kv for kv in after if kv not in added])
    assert sighash.write_maps(g1, stripped, out1) == original
    assert (g0, out0) == (g1, out1)
    return new


def _check_ecdsa(original: bytes, new: dict, script_codes: dict[int, bytes],
                 legacy: bool = False) -> int:
    tx, utxos, _ = sighash.read_psbt_v0(original)
    checked = 0
    for index, pairs in new.items():
        for key, value in pairs:
            assert key[0] == 0x02 and value[-1] == 0x01
            if legacy:
                digest = sighash.legacy_sighash_all(tx, index, script_codes[index])
            else:
                utxo = utxos[index]
                assert utxo is not None
                digest = sighash.bip143(tx, index, script_codes[index], utxo.amount)
            assert ecdsa_valid(key[1:], value[:-1], digest)
            assert r_is_low(value[:-1]) and len(value[:-1]) <= 71
            checked += 1
    return checked


@pytest.mark.parametrize("script_type", [ScriptType.P2WSH, ScriptType.P2SH_P2WSH])
def test_multisig_signatures_verify_independently(script_type: ScriptType) -> None:
    vault = make_wallet(script_type)
    spends = [Spend(vault, i % 2 == 1, i, 10_000 + i) for i in range(12)]
    original = build_psbt(spends, [Pay(100_000, external_script()),
                                   Pay(20_000, wallet=vault, change=True, index=7)]).serialize()
    result, review = _sign(original, (vault,))
    assert [inp.ours for inp in review.inputs] == [True] * 12
    assert result.signed_inputs == tuple(range(12)) and result.signatures == 12
    new = _new_sigs(original, serialize_psbt(result.psbt))
    codes = {i: vault.derive(s.change, s.index).witness_script().data
             for i, s in enumerate(spends)}
    assert _check_ecdsa(original, new, codes) == 12
    ours = root(0).derive(list(script_type.account_path(NET)))
    for index, spend in enumerate(spends):
        expected_pub = ours.child(int(spend.change)).child(spend.index).key.sec()
        assert [key[1:] for key, _ in new[index]] == [expected_pub]


def test_p2sh_legacy_multisig_signs() -> None:
    vault = make_wallet(ScriptType.P2SH)
    spends = [Spend(vault, False, i, 50_000) for i in range(3)]
    original = build_psbt(spends, [Pay(140_000, external_script())]).serialize()
    result, _ = _sign(original, (vault,), signer=1)
    new = _new_sigs(original, serialize_psbt(result.psbt))
    codes = {i: vault.derive(False, s.index).redeem_script().data for i, s in enumerate(spends)}
    assert _check_ecdsa(original, new, codes, legacy=True) == 3


@pytest.mark.parametrize("script_type",
                         [ScriptType.P2WPKH, ScriptType.P2SH_P2WPKH, ScriptType.P2PKH])
def test_own_single_sig_without_registration(script_type: ScriptType) -> None:
    mine = make_wallet(script_type, cosigners=(2,), threshold=1)
    spends = [Spend(mine, False, 0, 30_000), Spend(mine, True, 4, 40_000)]
    original = build_psbt(spends, [Pay(60_000, external_script()),
                                   Pay(9_000, wallet=mine, change=True, index=5)]).serialize()
    result, review = _sign(original, (), signer=2)  # no registered wallets at all
    assert [inp.wallet for inp in review.inputs] == [f"{script_type} account 0"] * 2
    assert [o.kind.value for o in review.outputs] == ["external", "change"]
    new = _new_sigs(original, serialize_psbt(result.psbt))
    legacy = script_type is ScriptType.P2PKH
    codes = {}
    for index, pairs in new.items():
        (key, _), = pairs
        # P2PKH of our key: BIP-143's script code for P2WPKH, the spent scriptPubKey for P2PKH
        codes[index] = b"\x76\xa9\x14" + _hash160(key[1:]) + b"\x88\xac"
        if legacy:
            spent = spends[index]
            assert codes[index] == mine.derive(spent.change, spent.index).script_pubkey().data
    assert _check_ecdsa(original, new, codes, legacy=legacy) == 2
    if legacy:  # no witness: inputs of 32 + 4 + 1 + (1 + 73 sig + 1 + 33 key) + 4, outputs
        # 8 + 1 + 22 (P2WPKH) and 8 + 1 + 25 (P2PKH change), version, locktime, two counts
        assert review.vsize == 4 + 1 + 2 * (32 + 4 + 1 + 108 + 4) + 1 + 31 + 34 + 4


def _hash160(data: bytes) -> bytes:
    return hashlib.new("ripemd160", hashlib.sha256(data).digest()).digest()


def test_taproot_key_path_bip86() -> None:
    mine = make_wallet(ScriptType.P2TR, cosigners=(1,), threshold=1)
    spends = [Spend(mine, False, 0, 70_000), Spend(mine, False, 1, 80_000)]
    original = build_psbt(spends, [Pay(149_000, external_script())]).serialize()
    result, _ = _sign(original, (), signer=1)
    new = _new_sigs(original, serialize_psbt(result.psbt))
    tx, utxos, input_maps = sighash.read_psbt_v0(original)
    assert all(u is not None for u in utxos)
    for index, pairs in new.items():
        ((key, signature),) = pairs
        assert key == b"\x13" and len(signature) == 64
        internal = input_maps[index][b"\x17"]
        output_key = bip340.taproot_output_key(internal)
        assert utxos[index].script == b"\x51\x20" + output_key  # type: ignore[union-attr]
        digest = sighash.bip341_key_path(tx, index, utxos)  # type: ignore[arg-type]
        assert bip340.verify(output_key, digest, signature)
        assert not bip340.verify(output_key, bytes(32), signature)
    small, _ = _sign(original, (), signer=1, sigs_only=True)
    inputs = sighash.read_maps_in_order(serialize_psbt(small.psbt))[1]
    assert inputs == [new[0], new[1]]  # only the key-path signatures travel back


def test_v2_psbt_signs_and_keeps_every_other_byte() -> None:
    vault = make_wallet()
    psbt = build_psbt([Spend(vault, False, 2, 60_000)], [Pay(59_000, external_script())])
    psbt.version = 2
    original = psbt.serialize()
    result, review = _sign(original, (vault,), signer=2)
    assert review.version == 2 and result.signatures == 1
    new = _new_sigs(original, serialize_psbt(result.psbt))
    assert len(new[0]) == 1 and new[0][0][0][0] == 0x02


def test_sigs_only_holds_just_the_signatures() -> None:
    vault = make_wallet()
    original = build_psbt([Spend(vault, False, 1, 60_000), Spend(vault, True, 0, 5_000)],
                          [Pay(64_000, external_script())]).serialize()
    full, _ = _sign(original, (vault,))
    small, _ = _sign(original, (vault,), sigs_only=True)
    small_bytes = serialize_psbt(small.psbt)
    assert len(small_bytes) < len(original)
    g, inputs, outputs = sighash.read_maps_in_order(small_bytes)
    assert [k for k, _ in g] == [b"\x00"] and outputs == [[]]
    full_maps = sighash.read_maps_in_order(serialize_psbt(full.psbt))[1]
    for index, pairs in enumerate(inputs):
        assert len(pairs) == 1 and pairs[0] in full_maps[index]


def test_sigs_only_v2_keeps_the_transaction_fields() -> None:
    vault = make_wallet()
    psbt = build_psbt([Spend(vault, False, 1, 60_000)],
                      [Pay(50_000, external_script()),
                       Pay(9_000, wallet=vault, change=True, index=0)])
    psbt.version = 2
    small, _ = _sign(psbt.serialize(), (vault,), sigs_only=True)
    g, inputs, outputs = sighash.read_maps_in_order(serialize_psbt(small.psbt))
    assert sorted(k for k, _ in g) == [b"\x02", b"\x03", b"\x04", b"\x05", b"\xfb"]
    assert sorted(k[0] for k, _ in inputs[0]) == [0x02, 0x0E, 0x0F, 0x10]
    assert [sorted(k for k, _ in out) for out in outputs] == [[b"\x03", b"\x04"]] * 2


def test_second_cosigner_adds_to_first() -> None:
    vault = make_wallet()
    original = build_psbt([Spend(vault, False, 9, 60_000)], [Pay(59_000, external_script())])
    first, _ = _sign(original.serialize(), (vault,), signer=0)
    once = serialize_psbt(first.psbt)
    second, review = _sign(once, (vault,), signer=1)
    assert len(review.inputs[0].signed_by) == 1
    assert review.inputs[0].signed_by[0] == root(0).my_fingerprint.hex()
    twice = serialize_psbt(second.psbt)
    assert len(load_psbt(twice).inputs[0].partial_sigs) == 2
    _new_sigs(once, twice)  # the first signature kept byte for byte
    again, _ = _sign(twice, (vault,), signer=1)
    assert again.signatures == 0 and serialize_psbt(again.psbt) == twice


def test_low_r_grinding_over_many_digests() -> None:
    secret = hashlib.sha256(b"grind").digest()
    sizes = set()
    for n in range(64):
        der = sign_ecdsa_low_r(secret, hashlib.sha256(n.to_bytes(2, "big")).digest())
        assert r_is_low(der)
        sizes.add(len(der))
    assert max(sizes) <= 70 + 1


# --- refusals ------------------------------------------------------------------------------
def test_danger_blocks_until_allowed() -> None:
    vault = make_wallet()
    forged = Pay(40_000, external_script("attacker"),
                 derivations=vault.derivations(True, 3))  # claims to be our change
    original = build_psbt([Spend(vault, False, 0, 100_000)],
                          [Pay(59_000, external_script()), forged]).serialize()
    with pytest.raises(SigningRefused, match="fake-change"):
        _sign(original, (vault,))
    result, review = _sign(original, (vault,), allow={"fake-change"})
    assert [w.code for w in review.blocking()] == ["fake-change"]
    assert result.signatures == 1


def test_sighash_none_needs_allow_and_is_used() -> None:
    vault = make_wallet()
    psbt = build_psbt([Spend(vault, False, 0, 100_000)], [Pay(99_000, external_script())])
    psbt.inputs[0].sighash_type = 2
    original = psbt.serialize()
    with pytest.raises(SigningRefused, match="sighash"):
        _sign(original, (vault,))
    result, _ = _sign(original, (vault,), allow={"sighash"})
    ((_, signature),) = _new_sigs(original, serialize_psbt(result.psbt))[0]
    assert signature[-1] == 0x02


def test_nothing_to_sign() -> None:
    vault = make_wallet(cosigners=(1, 2, 3))
    original = build_psbt([Spend(vault, False, 0, 100_000)],
                          [Pay(99_000, external_script())]).serialize()
    with pytest.raises(SigningRefused, match="nothing to sign"):
        _sign(original, (), allow={"foreign-input"})


def test_input_changed_after_review_is_not_signed() -> None:
    vault = make_wallet()
    original = build_psbt([Spend(vault, False, 0, 100_000), Spend(vault, False, 1, 100_000)],
                          [Pay(199_000, external_script())]).serialize()
    psbt, review = _review(original, 0, (vault,))
    psbt.inputs[1].witness_script = vault.derive(False, 2).witness_script()
    result = sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
    assert result.signed_inputs == (0,)
    assert [(w.input_index, w.code) for w in result.skipped] == [(1, "not-wallet-script")]


def test_legacy_input_without_previous_tx_is_never_signed() -> None:
    """Signing re-checks the amount proof itself: a previous transaction removed after the
    review leaves the legacy input unsigned, with its own reason code."""
    legacy = make_wallet(ScriptType.P2SH)
    original = build_psbt([Spend(legacy, False, 0, 100_000), Spend(legacy, False, 1, 100_000)],
                          [Pay(199_000, external_script())]).serialize()
    psbt, review = _review(original, 0, (legacy,))
    assert review.blocking() == []
    psbt.inputs[1].non_witness_utxo = None
    psbt.inputs[1].witness_utxo = load_psbt(original).inputs[1].non_witness_utxo.vout[0]
    result = sign_psbt(psbt, review, root=root(0), wallets=[legacy.wallet])
    assert result.signed_inputs == (0,)
    assert [(w.input_index, w.code) for w in result.skipped] == [(1, "missing-previous-tx")]


def test_review_of_another_psbt_refused() -> None:
    vault = make_wallet()
    one = build_psbt([Spend(vault, False, 0, 100_000)], [Pay(99_000, external_script())])
    other = build_psbt([Spend(vault, False, 0, 100_000), Spend(vault, False, 1, 10)],
                       [Pay(99_000, external_script())])
    psbt, _ = _review(one.serialize(), 0, (vault,))
    _, review = _review(other.serialize(), 0, (vault,))
    with pytest.raises(SigningRefused, match="different PSBT"):
        sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])


# Input 0 ALL|ANYONECANPAY, input 1 SINGLE (earlier outputs blanked in the legacy digest),
# input 2 NONE|ANYONECANPAY.
NON_ALL_TYPES = (0x81, 0x03, 0x82)


@pytest.mark.parametrize("script_type", [ScriptType.P2SH, ScriptType.P2WSH, ScriptType.P2TR])
def test_non_all_sighash_types_finalize_with_bdk(script_type: ScriptType) -> None:
    """signer/sighash.py's legacy, BIP-143 and BIP-341 digests for every allowed non-ALL
    type: BDK's interpreter verifies the signatures with rust-bitcoin's own sighash."""
    taproot = script_type is ScriptType.P2TR
    wallet = (make_wallet(script_type, cosigners=(1,), threshold=1) if taproot
              else make_wallet(script_type))
    spends = [Spend(wallet, False, i, 50_000) for i in range(3)]
    psbt = build_psbt(spends, [Pay(80_000, external_script()),
                               Pay(69_000, wallet=wallet, change=True, index=1)])
    for inp, hash_type in zip(psbt.inputs, NON_ALL_TYPES, strict=True):
        inp.sighash_type = hash_type
    raw = psbt.serialize()
    signers = (1,) if taproot else (0, 1)
    for signer in signers:
        registered = () if taproot else (wallet,)
        result, review = _sign(raw, registered, signer=signer, allow={"sighash"})
        assert [w.code for w in review.blocking()] == ["sighash"] * 3
        assert result.signed_inputs == (0, 1, 2)
        raw = serialize_psbt(result.psbt)
    final = finalizer.finalize(raw)
    assert final.version == 2


def test_embit_psbt_is_never_signed_as_another_transaction() -> None:
    """A plain embit PSBT object serialises through embit's defaults (nSequence 0 becomes
    0xffffffff): signing it would sign another transaction than the one reviewed."""
    from embit.psbt import PSBT

    vault = make_wallet()
    built = build_psbt([Spend(vault, False, 0, 100_000, sequence=0)],
                       [Pay(99_000, external_script())])
    raw = built.serialize()  # the coordinator writes the transaction as built
    assert sighash.read_psbt(raw)[0].inputs[0].sequence == 0
    psbt = PSBT(unsigned_transaction(built))  # the same fields in embit's own class
    psbt.inputs, psbt.outputs = built.inputs, built.outputs
    assert psbt.inputs[0].sequence == 0
    review = review_psbt(psbt, root=root(0), wallets=[vault.wallet], settings=SETTINGS,
                         network=NET)
    with pytest.raises(SigningRefused, match="different PSBT"):
        sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
    loaded = load_psbt(raw)  # the loader keeps the transaction exactly
    assert sign_psbt(loaded, review, root=root(0), wallets=[vault.wallet]).signatures == 1
