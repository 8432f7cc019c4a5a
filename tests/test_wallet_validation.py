"""Hostile and broken wallets: each is refused, with a message that says what is wrong."""

import pytest
from embit.networks import NETWORKS
from wallet_kit import key_expression, multisig_descriptor, root

from signer.errors import InvalidWallet, WalletMismatch
from signer.network import Network
from signer.scripts import HARDENED, ScriptType, format_path
from signer.wallet.descriptor import wallet_from_descriptors
from signer.wallet.formats import load_wallet
from signer.wallet.model import CosignerKey, Wallet
from signer.wallet.ownership import check_ours

P2WSH_TEST = ScriptType.P2WSH.account_path(Network.TEST)
ACCOUNT_1 = ScriptType.P2WSH.account_path(Network.TEST, 1)


def _wsh(*keys: str, threshold: int = 2) -> str:
    return f"wsh(sortedmulti({threshold},{','.join(keys)}))"


def _mislabelled(index: int, real_path: tuple[int, ...], claimed_path: tuple[int, ...]) -> str:
    """Cosigner `index`'s xpub from real_path, written as if it came from claimed_path."""
    xpub = root(index).derive(list(real_path)).to_public(version=NETWORKS["test"]["xpub"])
    origin = format_path(claimed_path).replace("m", root(index).my_fingerprint.hex(), 1)
    return f"[{origin}]{xpub.to_base58()}/<0;1>/*"


def test_our_own_wallet_passes() -> None:
    wallet = load_wallet(multisig_descriptor())
    assert check_ours(wallet, root(0)) == wallet.keys[0]
    assert check_ours(wallet, root(2)) == wallet.keys[2]


def test_wallet_without_our_key() -> None:
    wallet = load_wallet(multisig_descriptor((1, 2, 3)))
    with pytest.raises(WalletMismatch, match="does not contain our key") as caught:
        check_ours(wallet, root(0))
    assert root(0).my_fingerprint.hex() in str(caught.value)


def test_our_key_recorded_at_the_wrong_path() -> None:
    # Our account-0 xpub, but the file says it is account 1.
    text = _wsh(_mislabelled(0, P2WSH_TEST, ACCOUNT_1), key_expression(1), key_expression(2))
    wallet = load_wallet(text)
    with pytest.raises(WalletMismatch, match="wrong path") as caught:
        check_ours(wallet, root(0))
    assert "m/48h/1h/0h/2h" in str(caught.value)


def test_wrong_xpub_at_our_fingerprint() -> None:
    # Cosigner 3's key dressed up with our fingerprint and path: a substitution.
    substitute = key_expression(3).replace(
        root(3).my_fingerprint.hex(), root(0).my_fingerprint.hex()
    )
    wallet = load_wallet(_wsh(substitute, key_expression(1), key_expression(2)))
    with pytest.raises(WalletMismatch, match="substituted or wrong xpub"):
        check_ours(wallet, root(0))


def test_wallet_registered_with_a_bip39_passphrase_needs_it() -> None:
    from embit import bip39
    from embit.bip32 import HDKey
    from wallet_kit import MNEMONICS

    with_passphrase = HDKey.from_seed(bip39.mnemonic_to_seed(MNEMONICS[0], "TREZOR"))
    path = list(P2WSH_TEST)
    xpub = with_passphrase.derive(path).to_public(version=NETWORKS["test"]["xpub"])
    ours = CosignerKey(with_passphrase.my_fingerprint, P2WSH_TEST, xpub)
    others = load_wallet(multisig_descriptor((1, 2))).keys
    wallet = Wallet("p", ScriptType.P2WSH, 2, (ours, *others), True, Network.TEST)
    assert check_ours(wallet, with_passphrase) == ours
    with pytest.raises(WalletMismatch, match="passphrase"):
        check_ours(wallet, root(0))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_wsh(key_expression(0), key_expression(0), key_expression(1)), "appears twice"),
        (
            _wsh(key_expression(0), key_expression(0, path=ACCOUNT_1), key_expression(1)),
            "same seed",
        ),
        (multisig_descriptor(threshold=0), "threshold 0 is impossible"),
        (multisig_descriptor(threshold=4), "threshold 4 is impossible"),
        (_wsh(key_expression(0, Network.MAIN), key_expression(1), key_expression(2)), "mixes"),
        (_wsh(key_expression(0, suffix=""), key_expression(1), key_expression(2)), "must end"),
        (_wsh(key_expression(0, suffix="/0/0/*"), key_expression(1)), "must end"),
        (_wsh(key_expression(0, suffix="/<0;1>/*h"), key_expression(1)), "must end"),
        (
            _wsh(key_expression(0, suffix="/<0;2>/*"), key_expression(1, suffix="/<0;2>/*")),
            "0 .receive. and 1",
        ),
        (_wsh(key_expression(0, suffix="/<1;0>/*"), key_expression(1, suffix="/<1;0>/*")), "<0;1>"),
        (_wsh(key_expression(0, suffix="/2/*"), key_expression(1, suffix="/2/*")), "0 .receive"),
        (_wsh(key_expression(0), key_expression(1, suffix="/0/*")), "different"),
        ("pkh(" + key_expression(0) + ")", "unsupported descriptor"),
        # taproot trees are supported (tests/test_taproot_wallet.py); a P2WSH-only fragment
        # in a leaf, or a half branch, is not
        ("tr(" + key_expression(0) + ",multi(1," + key_expression(1) + "))",
         "only valid in P2WSH"),
        ("tr(" + key_expression(0) + ",{pk(" + key_expression(1) + ")})", "two sides"),
        (_wsh(key_expression(0), key_expression(1)) + "#aaaaaaaa", "checksum mismatch"),
        (_wsh(key_expression(0), key_expression(1)) + "#abc", "8 checksum characters"),
    ],
)
def test_hostile_descriptors_refused(text: str, reason: str) -> None:
    with pytest.raises(InvalidWallet, match=reason):
        load_wallet(text)


def test_altered_descriptor_fails_its_checksum() -> None:
    good = load_wallet(multisig_descriptor()).descriptor()
    body, checksum = good.split("#")
    altered = body.replace("sortedmulti(2", "sortedmulti(1") + "#" + checksum
    with pytest.raises(InvalidWallet, match="checksum mismatch"):
        load_wallet(altered)


def test_sixteen_cosigners_refused_and_fifteen_accepted() -> None:
    keys = [
        key_expression(i % 5, path=ScriptType.P2WSH.account_path(Network.TEST, i))
        for i in range(16)
    ]
    with pytest.raises(InvalidWallet, match="at most 15"):
        load_wallet(_wsh(*keys))
    # 15 distinct seeds are not available here; the count check comes before the seed check.
    with pytest.raises(InvalidWallet, match="same seed"):
        load_wallet(_wsh(*keys[:15]))


def test_private_key_in_a_wallet_is_refused_without_echoing_it() -> None:
    xprv = root(0).derive(list(P2WSH_TEST))
    secret_text = xprv.to_base58(NETWORKS["test"]["xprv"])
    origin = format_path(P2WSH_TEST).replace("m", root(0).my_fingerprint.hex(), 1)
    text = _wsh(f"[{origin}]{secret_text}/<0;1>/*", key_expression(1))
    with pytest.raises(InvalidWallet, match="private key") as caught:
        load_wallet(text)
    assert secret_text not in str(caught.value)
    assert secret_text[4:20] not in str(caught.value)


def test_key_without_origin_stands_for_itself() -> None:
    # BIP-380 makes the origin optional; Electrum records none for a typed-in key and names
    # such a key in its PSBTs by the key's own fingerprint and the path below it.
    bare = key_expression(1).split("]", 1)[1]
    wallet = load_wallet(_wsh(key_expression(0), bare))
    key = wallet.keys[1]
    xpub = root(1).derive(list(P2WSH_TEST))
    assert (key.fingerprint, key.origin_path, key.has_origin) == (xpub.my_fingerprint, (), False)
    assert wallet.locate(xpub.my_fingerprint, (1, 7)) == (True, 7)
    assert wallet.locate(root(1).my_fingerprint, (*P2WSH_TEST, 1, 7)) is None
    # Written back without an origin (none is known), and read back as the same wallet.
    assert f",{bare.split('/')[0]}/<0;1>/*" in wallet.descriptor()
    assert wallet_from_descriptors([wallet.descriptor()], "again", Network.TEST).keys == wallet.keys


def test_a_fingerprint_without_a_path_must_be_the_keys_own() -> None:
    bare = key_expression(1).split("]", 1)[1]
    with pytest.raises(InvalidWallet, match="depth"):
        load_wallet(_wsh(key_expression(0), f"[{root(1).my_fingerprint.hex()}]{bare}"))


def test_origin_that_does_not_fit_the_xpub_is_refused() -> None:
    too_short = _mislabelled(0, P2WSH_TEST, P2WSH_TEST[:3])
    with pytest.raises(InvalidWallet, match="depth"):
        load_wallet(_wsh(too_short, key_expression(1)))
    wrong_child = _mislabelled(0, P2WSH_TEST, (*P2WSH_TEST[:3], 1 + HARDENED))
    with pytest.raises(InvalidWallet, match="not the child"):
        load_wallet(_wsh(wrong_child, key_expression(1)))


def test_bad_base58_key_is_refused() -> None:
    broken = key_expression(0)
    position = broken.index("]tpub") + 20
    broken = broken[:position] + ("A" if broken[position] != "A" else "B") + broken[position + 1 :]
    with pytest.raises(InvalidWallet, match="base58"):
        load_wallet(_wsh(broken, key_expression(1)))


def test_model_refuses_invalid_structures_directly() -> None:
    wallet = load_wallet(multisig_descriptor())
    with pytest.raises(InvalidWallet):
        Wallet("x", ScriptType.P2WSH, 2, wallet.keys, True, Network.MAIN)  # tpubs on main
    with pytest.raises(InvalidWallet):
        Wallet("x", ScriptType.P2WPKH, 1, wallet.keys, True, Network.TEST)  # 3 keys single-sig
    with pytest.raises(InvalidWallet, match="exactly one key"):
        Wallet("x", ScriptType.P2PKH, 1, wallet.keys[:2], True, Network.TEST)  # 2 keys single-sig
    with pytest.raises(InvalidWallet):
        Wallet(" ", ScriptType.P2WSH, 2, wallet.keys, True, Network.TEST)


def test_single_sig_wallet_from_descriptor() -> None:
    text = "wpkh(" + key_expression(0, script_type=ScriptType.P2WPKH) + ")"
    wallet = wallet_from_descriptors([text], "single", Network.TEST)
    ours = Wallet.single_sig(root(0), ScriptType.P2WPKH, Network.TEST)
    assert wallet.descriptor() == ours.descriptor()
    assert wallet.policy == "single signature"
    assert not wallet.is_multisig

