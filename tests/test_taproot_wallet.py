"""Taproot multisig wallets (tr(KEY, multi_a/sortedmulti_a leaves)) end to end: addresses as
embit derives them, the review and the signatures (script path with the leaf hash, key path
with the tree's tweak) checked by independent code (BIP-341/342 digests written out in
tests/independent, BIP-340 in plain integers), and BDK finalizing what was signed. The PSBTs
come from the test coordinator, which fills every BIP-371 field from embit's tree.
"""

import base64

import bdkpython
import pytest
from embit.psbt import PSBT
from independent import bip340, sighash
from independent.coordinator import (
    Pay,
    Spend,
    build_psbt,
    descriptor_wallet,
    external_script,
    tap_fields,
)
from independent.cosigners import key_expression, root

from signer.network import Network
from signer.psbt import load_psbt, serialize_psbt
from signer.review import review_psbt
from signer.settings import Settings
from signer.sign import sign_psbt
from signer.wallet.template import NUMS_KEY

BIP86_ISH = (86 + 2**31, 1 + 2**31, 0 + 2**31)  # one account path for the taproot keys
A, B, C = (key_expression(i, path=BIP86_ISH) for i in (0, 1, 2))
H = NUMS_KEY.hex()
NO_KEY_PATH = f"tr({H},multi_a(2,{A},{B},{C}))"
SORTED = f"tr({H},sortedmulti_a(2,{A},{B},{C}))"
OUR_INTERNAL = f"tr({A},{{multi_a(2,{A},{B}),multi_a(2,{A},{C})}})"
THEIR_INTERNAL = f"tr({B},{{multi_a(2,{A},{B}),multi_a(2,{B},{C})}})"
SETTINGS = Settings(network=Network.TEST)


def _b64(psbt: PSBT) -> str:
    return base64.b64encode(serialize_psbt(psbt)).decode()


def _spend(text: str, **kwargs: object):  # noqa: ANN202
    vault = descriptor_wallet(text)
    psbt = build_psbt([Spend(vault, False, 4, 300_000)],
                      [Pay(200_000, external_script()), Pay(99_000, wallet=vault, index=2)])
    psbt = load_psbt(serialize_psbt(psbt))
    review = review_psbt(psbt, root=root(0), wallets=[vault.wallet], settings=SETTINGS,
                         network=Network.TEST)
    return psbt, vault, review


@pytest.mark.parametrize("text", [NO_KEY_PATH, SORTED, OUR_INTERNAL, THEIR_INTERNAL])
def test_addresses_are_embits(text: str) -> None:
    vault = descriptor_wallet(text)
    for change in (False, True):
        for index in (0, 5):
            assert vault.wallet.address(change, index) == vault.derive(change, index).address(
                Network.TEST.params)


def test_unspendable_internal_key_means_no_key_path() -> None:
    wallet = descriptor_wallet(NO_KEY_PATH).wallet
    words = wallet.policy_words(root(0).my_fingerprint)
    assert words == ["any 2 of 73c5da0a (this device), b8688df1, 28645006, at any time",
                     "no key path: the internal key is unspendable (BIP-341's H)"]
    spend = wallet.output(False, 0).taproot
    assert spend is not None and not spend.key_path and spend.internal_key == NUMS_KEY


def test_script_path_signature_verifies_independently_and_bdk_finalizes() -> None:
    psbt, vault, review = _spend(NO_KEY_PATH)
    (inp,) = review.inputs
    assert inp.ours and [out.kind for out in review.outputs] == ["external", "change"]
    result = sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
    assert result.signatures == 1
    ((pub, leaf), signature), = psbt.inputs[0].taproot_sigs.items()
    assert pub.xonly() == root(0).derive(list(BIP86_ISH) + [0, 4]).key.get_public_key().xonly()
    ((_, _, expected_leaf),) = tap_fields(vault, False, 4).leaves
    assert leaf == expected_leaf
    tx, utxos, _ = sighash.read_psbt_v0(serialize_psbt(psbt))
    digest = sighash.bip341_key_path(tx, 0, utxos, leaf_hash=leaf)
    assert bip340.verify(pub.xonly(), digest, signature[:64])
    assert not bip340.verify(pub.xonly(), sighash.bip341_key_path(tx, 0, utxos), signature[:64])
    assert not bdkpython.Psbt(_b64(psbt)).finalize().could_finalize  # one of two
    cosigned = _cosign(psbt, vault, 1, leaf)
    finalized = bdkpython.Psbt(base64.b64encode(cosigned.serialize()).decode()).finalize()
    assert finalized.could_finalize, finalized.errors
    assert str(finalized.psbt.extract_tx().compute_txid()) == psbt.tx.txid().hex()


def _cosign(psbt: PSBT, vault, cosigner: int, leaf: bytes) -> PSBT:  # noqa: ANN001
    """Cosigner `cosigner` adds its script-path signature, computed here (not by airsign)."""
    plain = PSBT.parse(serialize_psbt(psbt))
    tx, utxos, _ = sighash.read_psbt_v0(serialize_psbt(psbt))
    digest = sighash.bip341_key_path(tx, 0, utxos, leaf_hash=leaf)
    key = root(cosigner).derive(list(BIP86_ISH) + [0, 4]).key
    plain.inputs[0].taproot_sigs[(key.get_public_key(), leaf)] = key.schnorr_sign(
        digest).serialize()
    return plain


def test_key_path_when_the_internal_key_is_ours() -> None:
    psbt, vault, review = _spend(OUR_INTERNAL)
    (inp,) = review.inputs
    assert inp.key_path_key is not None
    assert inp.paths[0].words.endswith("(key path)")
    sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
    key_sig = psbt.inputs[0].unknown[b"\x13"]
    tx, utxos, _ = sighash.read_psbt_v0(serialize_psbt(psbt))
    output_key = utxos[0].script[2:]
    assert bip340.verify(output_key, sighash.bip341_key_path(tx, 0, utxos), key_sig[:64])
    finalized = bdkpython.Psbt(_b64(psbt)).finalize()  # our key path signature alone
    assert finalized.could_finalize, finalized.errors


def test_only_leaves_with_our_key_are_signed() -> None:
    psbt, vault, review = _spend(THEIR_INTERNAL)
    (inp,) = review.inputs
    assert inp.key_path_key is None
    sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
    leaves = {leaf for (_, leaf) in psbt.inputs[0].taproot_sigs}
    ours = [h for _, script, h in tap_fields(vault, False, 4).leaves
            if root(0).derive(list(BIP86_ISH) + [0, 4]).key.get_public_key().xonly() in script]
    assert leaves == set(ours) and len(ours) == 1


def test_a_swapped_leaf_script_is_refused() -> None:
    vault = descriptor_wallet(NO_KEY_PATH)
    other = descriptor_wallet(f"tr({H},multi_a(1,{A},{B}))")
    psbt = build_psbt([Spend(vault, False, 4, 300_000)], [Pay(299_000, external_script())])
    (control, _, _), = tap_fields(vault, False, 4).leaves
    (_, theirs, _), = tap_fields(other, False, 4).leaves
    psbt.inputs[0].taproot_scripts[control] = theirs + b"\xc0"  # 1-of-2 under our proof
    psbt = load_psbt(serialize_psbt(psbt))
    review = review_psbt(psbt, root=root(0), wallets=[vault.wallet], settings=SETTINGS,
                         network=Network.TEST)
    assert "script-mismatch" in {w.code for w in review.warnings}
    result = sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet],
                       allow={"script-mismatch"})
    assert result.signatures == 0 and not psbt.inputs[0].taproot_sigs


def test_an_internal_key_claimed_ours_that_is_not_is_refused() -> None:
    vault = descriptor_wallet(NO_KEY_PATH)
    psbt = build_psbt([Spend(vault, False, 4, 300_000)], [Pay(299_000, external_script())])
    psbt.inputs[0].taproot_internal_key = root(0).derive(
        list(BIP86_ISH) + [0, 4]).key.get_public_key()
    psbt = load_psbt(serialize_psbt(psbt))
    review = review_psbt(psbt, root=root(0), wallets=[vault.wallet], settings=SETTINGS,
                         network=Network.TEST)
    assert any(w.code == "script-mismatch" and "internal key" in w.message
               for w in review.warnings)


def test_a_change_output_with_another_tree_is_fake_change() -> None:
    vault = descriptor_wallet(NO_KEY_PATH)
    impostor = descriptor_wallet(f"tr({H},multi_a(1,{A},{B},{C}))")  # same keys, 1-of-3
    psbt = build_psbt([Spend(vault, False, 4, 300_000)],
                      [Pay(200_000, external_script()), Pay(99_000, wallet=impostor, index=2)])
    psbt = load_psbt(serialize_psbt(psbt))
    review = review_psbt(psbt, root=root(0), wallets=[vault.wallet], settings=SETTINGS,
                         network=Network.TEST)
    assert review.outputs[1].kind == "external"
    assert "fake-change" in {w.code for w in review.warnings}


def _bip386_trees() -> list[dict]:
    from conftest import load_vectors

    return [v for v in load_vectors("descriptors/descriptor_vectors.json")["vectors"]
            if v["bip"] == 386 and v["valid"] and "," in v["descriptor"] and "scripts" in v]


@pytest.mark.parametrize("vector", _bip386_trees(), ids=lambda v: v["descriptor"][:30])
def test_bip386_script_tree_vectors(vector: dict) -> None:
    from signer.wallet.descriptor import parse_descriptor

    parsed = parse_descriptor(vector["descriptor"])
    for index, script in enumerate(vector["scripts"]):
        assert parsed.output(0, index).script_pubkey.data.hex() == script


def test_bip388_policy_of_a_taproot_wallet_reads_back() -> None:
    from signer.wallet.formats import load_wallet
    from signer.wallet.policy388 import policy_of
    from signer.wallet.registry import wallet_record

    wallet = descriptor_wallet(OUR_INTERNAL).wallet
    policy = policy_of(wallet)
    assert policy.template == "tr(@0/**,{multi_a(2,@0/**,@1/**),multi_a(2,@0/**,@2/**)})"
    for text in (policy.as_json(), policy.as_text()):
        assert wallet_record(load_wallet(text, "vault", Network.TEST)) == wallet_record(wallet)


def test_timelocked_leaf_is_signed_only_once_its_lock_can_be_met() -> None:
    """tr(H, {2-of-2 of the others, A after 144 blocks}): A (this device) signs only when the
    input's nSequence satisfies older(144); BDK finalizes that recovery spend alone."""
    text = f"tr({H},{{multi_a(2,{B},{C}),and_v(v:pk({A}),older(144))}})"
    vault = descriptor_wallet(text)
    for sequence, expect_signed in ((0xFFFFFFFD, False), (144, True)):
        psbt = build_psbt([Spend(vault, False, 4, 300_000, sequence=sequence)],
                          [Pay(299_000, external_script())])
        psbt = load_psbt(serialize_psbt(psbt))
        review = review_psbt(psbt, root=root(0), wallets=[vault.wallet], settings=SETTINGS,
                             network=Network.TEST)
        if not expect_signed:
            assert "no-spending-path" in {w.code for w in review.warnings}
            continue
        result = sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
        assert result.signatures == 1
        finalized = bdkpython.Psbt(_b64(psbt)).finalize()
        assert finalized.could_finalize, finalized.errors
