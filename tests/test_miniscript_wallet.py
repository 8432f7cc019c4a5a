"""A Liana-style miniscript wallet end to end: registered from its descriptor, its addresses
as embit derives them, the review's spending paths as the transaction's nSequence allows
them, signing only for keys in usable paths, and BDK (rust-miniscript) finalizing what was
signed, which checks every signature with its own interpreter.

The device is cosigner 0: key A in the primary 2-of-3 and key D (the same xpub, chains
<2;3>) alone in the recovery path after 52,560 blocks.
"""

import base64

import bdkpython
import pytest
from embit.psbt import PSBT
from independent import sighash
from independent.coordinator import Pay, Spend, build_psbt, descriptor_wallet, external_script
from independent.cosigners import key_expression, root
from independent.ecdsa import ecdsa_valid

from signer.errors import InvalidWallet, SigningRefused
from signer.network import Network
from signer.psbt import load_psbt, serialize_psbt
from signer.review import review_psbt
from signer.settings import Settings
from signer.sign import sign_psbt
from signer.wallet.registry import WalletRegistry

A, B, C = (key_expression(i) for i in (0, 1, 2))
D = key_expression(0, suffix="/<2;3>/*")
LIANA = f"wsh(or_d(multi(2,{A},{B},{C}),and_v(v:pkh({D}),older(52560))))"
RECOVERY_ONLY = f"wsh(or_d(multi(2,{B},{C}),and_v(v:pkh({D}),older(52560))))"
SETTINGS = Settings(network=Network.TEST)
PRIMARY_SEQUENCE = 0xFFFFFFFD
RECOVERY_SEQUENCE = 52560


def _psbt(text: str, sequence: int) -> tuple[PSBT, object]:
    vault = descriptor_wallet(text)
    psbt = build_psbt([Spend(vault, False, 3, 200_000, sequence=sequence)],
                      [Pay(150_000, external_script()), Pay(49_000, wallet=vault, index=1)])
    return load_psbt(serialize_psbt(psbt)), vault


def _review_and_sign(text: str, sequence: int):  # noqa: ANN202
    psbt, vault = _psbt(text, sequence)
    wallets = [vault.wallet]
    review = review_psbt(psbt, root=root(0), wallets=wallets, settings=SETTINGS,
                         network=Network.TEST)
    return psbt, vault, review


def _b64(psbt: PSBT) -> str:
    return base64.b64encode(serialize_psbt(psbt)).decode()


def test_registered_wallet_derives_embits_addresses() -> None:
    vault = descriptor_wallet(LIANA)
    for change in (False, True):
        for index in (0, 7):
            expected = vault.derive(change, index).address(Network.TEST.params)
            assert vault.wallet.address(change, index) == expected
    registry = WalletRegistry([], Network.TEST)
    registry.add(vault.wallet, root(0))
    match = registry.find_address(vault.derive(True, 9).address(Network.TEST.params), gap=10)
    assert match is not None and (match.change, match.index) == (True, 9)


def test_policy_in_words_marks_our_keys() -> None:
    words = descriptor_wallet(LIANA).wallet.policy_words(root(0).my_fingerprint)
    assert words == [
        "any 2 of 73c5da0a (this device, key 1), b8688df1, 28645006, at any time",
        "73c5da0a (this device, key 4) alone, once a coin has not moved for 52,560 blocks "
        "(about 1 year)",
    ]


def test_primary_path_signs_with_the_primary_key_only_and_bdk_finalizes() -> None:
    psbt, vault, review = _review_and_sign(LIANA, PRIMARY_SEQUENCE)
    (inp,) = review.inputs
    assert inp.ours and [p.available for p in inp.paths] == [True, False]
    assert inp.paths[0].missing == ("any 2 of 73c5da0a (this device, key 1), b8688df1, "
                                    "28645006",)
    assert [out.kind for out in review.outputs] == ["external", "change"]
    result = sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
    assert result.signatures == 1
    ((pub, signature),) = psbt.inputs[0].partial_sigs.items()
    primary_key = root(0).derive("m/48h/1h/0h/2h/0/3").key.get_public_key()
    assert pub.sec() == primary_key.sec()
    # independent BIP-143 digest over the witness script embit derives
    tx, utxos, _ = sighash.read_psbt_v0(serialize_psbt(psbt))
    script = vault.derive(False, 3).witness_script().data
    digest = sighash.bip143(tx, 0, script, utxos[0].amount)
    assert ecdsa_valid(pub.sec(), signature[:-1], digest)
    # one of two: BDK cannot finalize yet; cosigner 1 adds theirs (embit), then it can
    assert not bdkpython.Psbt(_b64(psbt)).finalize().could_finalize
    cosigned = PSBT.parse(serialize_psbt(psbt))
    assert cosigned.sign_with(root(1)) == 1
    finalized = bdkpython.Psbt(base64.b64encode(cosigned.serialize()).decode()).finalize()
    assert finalized.could_finalize, finalized.errors
    assert str(finalized.psbt.extract_tx().compute_txid()) == psbt.tx.txid().hex()


def test_recovery_path_is_signed_alone_after_the_timelock_and_bdk_finalizes() -> None:
    psbt, vault, review = _review_and_sign(RECOVERY_ONLY, RECOVERY_SEQUENCE)
    (inp,) = review.inputs
    assert [p.available for p in inp.paths] == [True, True]
    result = sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
    assert result.signatures == 1
    finalized = bdkpython.Psbt(_b64(psbt)).finalize()
    assert finalized.could_finalize, finalized.errors


def test_recovery_key_is_not_used_before_the_timelock() -> None:
    psbt, vault, review = _review_and_sign(RECOVERY_ONLY, RECOVERY_SEQUENCE - 1)
    (inp,) = review.inputs
    assert [p.available for p in inp.paths] == [True, False]
    assert "no-spending-path" in {w.code for w in review.warnings}
    with pytest.raises(SigningRefused, match="no override"):
        sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
    assert not psbt.inputs[0].partial_sigs


def test_corrupted_signature_is_rejected_by_bdk() -> None:
    psbt, vault, review = _review_and_sign(RECOVERY_ONLY, RECOVERY_SEQUENCE)
    sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
    corrupted = PSBT.parse(serialize_psbt(psbt))
    ((pub, signature),) = corrupted.inputs[0].partial_sigs.items()
    flipped = signature[:10] + bytes([signature[10] ^ 1]) + signature[11:]
    corrupted.inputs[0].partial_sigs[pub] = flipped
    encoded = base64.b64encode(corrupted.serialize()).decode()
    assert not bdkpython.Psbt(encoded).finalize().could_finalize
    assert bdkpython.Psbt(_b64(psbt)).finalize().could_finalize  # the real one does


@pytest.mark.parametrize("text, why", [
    (f"wsh(or_b(pk({A}),s:pk({B})))", None),
    (f"wsh(or_i(pk({A}),older(100)))", "without any signature"),
    (f"wsh(thresh(2,pk({A}),s:pk({B}),sln:after(100),sln:after(1000000000)))", "mixes"),
    (f"wsh(or_d(pk({A}),and_v(v:pkh({A}),older(10))))", "same"),
])
def test_registration_refuses_unsafe_policies(text: str, why: str | None) -> None:
    if why is None:
        descriptor_wallet(text)
        return
    with pytest.raises(InvalidWallet, match=why):
        descriptor_wallet(text)


def test_bip388_policy_of_a_miniscript_wallet_reads_back(tmp_path) -> None:
    from signer.wallet.formats import load_wallet
    from signer.wallet.policy388 import policy_of
    from signer.wallet.registry import wallet_record

    wallet = descriptor_wallet(LIANA).wallet
    policy = policy_of(wallet)
    assert policy.template == ("wsh(or_d(multi(2,@0/**,@1/**,@2/**),and_v(v:pkh(@0/<2;3>/*),"
                               "older(52560))))")
    assert len(policy.keys_info) == 3  # our xpub once, on two chain pairs
    for text in (policy.as_json(), policy.as_text()):
        assert wallet_record(load_wallet(text, "vault", Network.TEST)) == wallet_record(wallet)


def test_cli_shows_paths_in_review_and_wallet(vault_keystore, monkeypatch, capsys,
                                              tmp_path) -> None:
    from cli_kit import run_cli

    source = tmp_path / "liana.txt"
    source.write_text(LIANA + "\n")
    code, out, err = run_cli(monkeypatch, capsys, "wallet", "add", str(source), "--name", "liana")
    assert code == 0, err
    assert "Spending paths:" in out and "once a coin has not moved for 52,560 blocks" in out
    assert "  key 4  73c5da0a  m/48h/1h/0h/2h/<2;3>/*  <- this device" in out  # named in a path
    assert "73c5da0a (this device, key 4) alone" in out
    psbt, _ = _psbt(LIANA, PRIMARY_SEQUENCE)
    spend = tmp_path / "spend.psbt"
    spend.write_bytes(serialize_psbt(psbt))
    code, out, err = run_cli(monkeypatch, capsys, "review", str(spend))
    assert code == 0, err
    assert "[usable]" in out and "not usable with this nSequence/nLockTime" in out
    assert "still to sign: this device, then 1 more of b8688df1, 28645006" in out


def test_invalid_signatures_of_two_of_our_keys_replace_once_per_input() -> None:
    """Both our keys (primary A, recovery D) usable: junk under each is replaced, and the
    input is reported once."""
    psbt, vault = _psbt(LIANA, RECOVERY_SEQUENCE)
    junk = PSBT.parse(serialize_psbt(psbt))
    for path in ("m/48h/1h/0h/2h/0/3", "m/48h/1h/0h/2h/2/3"):
        pub = root(0).derive(path).key.get_public_key()
        junk.inputs[0].partial_sigs[pub] = bytes.fromhex(
            "3044022001" + "00" * 31 + "022001" + "00" * 31) + b"\x01"
    psbt = load_psbt(junk.serialize())
    review = review_psbt(psbt, root=root(0), wallets=[vault.wallet], settings=SETTINGS,
                         network=Network.TEST)
    result = sign_psbt(psbt, review, root=root(0), wallets=[vault.wallet])
    assert result.signatures == 2 and result.replaced == (0,)
