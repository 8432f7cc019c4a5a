"""The wallet registry over keystore records: add, refuse, persist, find addresses."""

from pathlib import Path

import pytest
from conftest import CHEAP_KDF
from embit.descriptor import Descriptor
from wallet_kit import MNEMONICS, key_expression, multisig_descriptor, root

from signer.errors import InvalidAddress, InvalidWallet, UnknownWallet, WalletMismatch
from signer.keystore import Keystore
from signer.network import Network
from signer.scripts import ScriptType
from signer.wallet.formats import load_wallet
from signer.wallet.model import Wallet
from signer.wallet.registry import WalletRegistry


def _registry(*descriptors: str) -> WalletRegistry:
    registry = WalletRegistry([], Network.TEST)
    for number, text in enumerate(descriptors):
        registry.add(load_wallet(text, name=f"w{number}"), root(0))
    return registry


def test_add_get_remove_keep_records_in_step() -> None:
    records: list[dict] = []
    registry = WalletRegistry(records, Network.TEST)
    wallet = registry.add(load_wallet(multisig_descriptor(), name="Family"), root(0))
    assert records == [{"name": "Family", "descriptor": wallet.descriptor(), "network": "test"}]
    assert registry.get("family") == wallet  # names are matched without case
    assert registry.wallets() == [wallet]
    assert registry.remove("Family") == wallet
    assert records == []
    with pytest.raises(UnknownWallet, match="no wallet named"):
        registry.get("Family")


def test_our_key_without_origin_gets_its_origin_back() -> None:
    # Electrum writes a key typed into its cosigner dialog without an origin; registering
    # puts ours back (the review needs the path to sign) and leaves the others alone.
    ours, other = (key_expression(i).split("]", 1)[1] for i in (0, 1))
    loaded = load_wallet(f"wsh(sortedmulti(2,{ours},{other},{key_expression(2)}))", name="e")
    assert [key.has_origin for key in loaded.keys] == [False, False, True]
    stored = WalletRegistry([], Network.TEST).add(loaded, root(0))
    assert stored.keys[0].fingerprint == root(0).my_fingerprint
    assert stored.keys[0].origin_path == ScriptType.P2WSH.account_path(Network.TEST)
    assert stored.keys[0].xpub.to_base58() == loaded.keys[0].xpub.to_base58()
    assert stored.keys[1:] == loaded.keys[1:]
    # A key without an origin that our seed does not derive is not taken for ours.
    with pytest.raises(WalletMismatch, match="does not contain our key"):
        WalletRegistry([], Network.TEST).add(loaded, root(3))


def test_duplicate_name_and_duplicate_policy_are_refused() -> None:
    registry = _registry(multisig_descriptor())
    with pytest.raises(InvalidWallet, match="named 'w0' is already registered"):
        registry.add(load_wallet(multisig_descriptor((0, 1, 3)), name="W0"), root(0))
    # The same policy in another spelling (receive+change pair, other key order) is the same.
    same = load_wallet(
        "\n".join(
            [
                multisig_descriptor((2, 1, 0), suffix="/0/*"),
                multisig_descriptor((2, 1, 0), suffix="/1/*"),
            ]
        ),
        name="again",
    )
    with pytest.raises(InvalidWallet, match="already registered as 'w0'"):
        registry.add(same, root(0))


def test_add_refuses_a_wallet_without_our_key_and_records_nothing() -> None:
    records: list[dict] = []
    registry = WalletRegistry(records, Network.TEST)
    with pytest.raises(WalletMismatch):
        registry.add(load_wallet(multisig_descriptor((1, 2, 3))), root(0))
    assert records == [] and registry.wallets() == []


def test_records_persist_through_the_encrypted_keystore(tmp_path: Path) -> None:
    path = tmp_path / "keystore"
    with Keystore.create(path, MNEMONICS[0], "pw", kdf=CHEAP_KDF, kdf_cost_check=False) as ks:
        registry = WalletRegistry(ks.wallet_records, Network.SIGNET)
        first = registry.add(load_wallet(multisig_descriptor(), "a", Network.SIGNET), ks.root())
        second = registry.add(
            load_wallet(multisig_descriptor((0, 1, 3)), "b", Network.SIGNET), ks.root()
        )
        ks.save()
    with Keystore.unlock(path, "pw", kdf_cost_check=False) as ks:
        reopened = WalletRegistry(ks.wallet_records, Network.SIGNET)
        assert reopened.wallets() == [first, second]
        assert reopened.get("a").network is Network.SIGNET
        assert reopened.get("b").network is Network.SIGNET
        assert reopened.get("b").address(False, 0) == second.address(False, 0)


def test_find_address_reports_wallet_chain_and_index() -> None:
    registry = _registry(multisig_descriptor(), multisig_descriptor((0, 3), threshold=1))
    other = registry.get("w1")
    reference = Descriptor.from_string(multisig_descriptor((0, 3), threshold=1))
    address = reference.derive(321, branch_index=1).address(Network.TEST.params)
    match = registry.find_address(address)
    assert match is not None
    assert (match.wallet, match.change, match.index, match.chain) == (other, True, 321, "change")
    first = registry.find_address(registry.get("w0").address(False, 0))
    assert first is not None and (first.wallet.name, first.change, first.index) == ("w0", False, 0)


def test_find_address_respects_the_gap() -> None:
    registry = _registry(multisig_descriptor())
    address = registry.get("w0").address(False, 50)
    assert registry.find_address(address, gap=50) is None
    assert registry.find_address(address, gap=51) is not None


def test_foreign_and_other_network_addresses() -> None:
    registry = _registry(multisig_descriptor())
    foreign = load_wallet(multisig_descriptor((1, 2, 3))).address(False, 0)
    assert registry.find_address(foreign, gap=20) is None
    main_wallet = load_wallet(multisig_descriptor(network=Network.MAIN))
    with pytest.raises(InvalidAddress, match="mainnet address.*wallets are on test"):
        registry.find_address(main_wallet.address(False, 0))
    with pytest.raises(InvalidAddress, match="not a valid address"):
        registry.find_address("tb1qnotanaddress")


def test_legacy_and_nested_addresses_are_found() -> None:
    registry = _registry(
        multisig_descriptor(script_type=ScriptType.P2SH_P2WSH),
        multisig_descriptor(script_type=ScriptType.P2SH),
    )
    for name in ("w0", "w1"):
        address = registry.get(name).address(True, 3)
        assert address[0] == "2"
        match = registry.find_address(address, gap=10)
        assert match is not None and match.wallet.name == name


def test_locate_script_needs_the_script_to_match() -> None:
    registry = _registry(multisig_descriptor())
    wallet = registry.get("w0")
    ours = wallet.keys[0]
    derivations = [(ours.fingerprint, ours.full_path(True, 9))]
    match = registry.locate_script(wallet.script_pubkey(True, 9), derivations)
    assert match is not None and (match.wallet, match.change, match.index) == (wallet, True, 9)
    # A derivation that claims index 9 for some other script is not believed.
    assert registry.locate_script(wallet.script_pubkey(True, 8), derivations) is None
    foreign = load_wallet(multisig_descriptor((1, 2, 3)))
    assert registry.locate_script(foreign.script_pubkey(False, 0), derivations) is None


def test_signet_and_regtest_wallets_find_their_own_addresses() -> None:
    for network, prefix in ((Network.SIGNET, "tb1q"), (Network.REGTEST, "bcrt1q")):
        registry = WalletRegistry([], network)
        wallet = registry.add(load_wallet(multisig_descriptor(), "w", network), root(0))
        address = wallet.address(False, 2)
        assert address.startswith(prefix)
        match = registry.find_address(address.upper(), gap=5)  # bech32 may be upper case
        assert match is not None and match.index == 2


def test_single_sig_taproot_wallet_address_is_found() -> None:
    registry = WalletRegistry([], Network.MAIN)
    wallet = registry.add(Wallet.single_sig(root(0), ScriptType.P2TR, Network.MAIN), root(0))
    # BIP-86 vector for the "abandon … about" seed: m/86'/0'/0'/0/0.
    expected = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"
    assert wallet.address(False, 0) == expected
    match = registry.find_address(expected, gap=1)
    assert match is not None and (match.change, match.index) == (False, 0)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"name": "x"}, "incomplete"),
        ("not a record", "incomplete"),
        ({"name": "x", "descriptor": multisig_descriptor(), "network": "moon"}, "unknown network"),
        ({"name": "x", "descriptor": "wsh(x)", "network": "test"}, "multi"),
    ],
)
def test_damaged_records_are_one_line_errors(record: object, message: str) -> None:
    with pytest.raises(InvalidWallet, match=message):
        WalletRegistry([record], Network.TEST)  # type: ignore[list-item]


def test_our_key_in_two_spending_paths_is_kept_but_twice_toward_one_threshold_is_not() -> None:
    ours, recovery = key_expression(0), key_expression(0, suffix="/<2;3>/*")
    others = key_expression(1), key_expression(2)
    registry = WalletRegistry([], Network.TEST)
    liana = (f"wsh(or_d(multi(2,{ours},{others[0]},{others[1]}),"
             f"and_v(v:pkh({recovery}),older(52560))))")
    registry.add(load_wallet(liana, "liana"), root(0))
    both = load_wallet(f"wsh(and_v(v:pk({ours}),pk({recovery})))", "both")
    with pytest.raises(WalletMismatch, match="holds 2 of the 2 keys of one spending path"):
        registry.add(both, root(0))
    assert [wallet.name for wallet in registry.wallets()] == ["liana"]
