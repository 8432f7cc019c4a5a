"""BIP-388 wallet policies: read in JSON and text, written back, and the same wallet as the
descriptor a coordinator gives (addresses derived by embit from the substituted descriptor)."""

import json

import pytest
from cli_kit import VAULT, run_cli
from embit.descriptor import Descriptor
from independent.cosigners import key_expression

from signer.errors import InvalidWallet
from signer.network import Network
from signer.transport.single import classify
from signer.transport.types import PayloadKind
from signer.wallet.formats import load_wallet
from signer.wallet.policy388 import policy_of
from signer.wallet.registry import wallet_record

KEYS = [key_expression(i, suffix="") for i in (0, 1, 2)]
TEMPLATE = "wsh(sortedmulti(2,@0/**,@1/**,@2/**))"
POLICY_JSON = json.dumps({"name": "Cold storage", "descriptor_template": TEMPLATE,
                          "keys_info": KEYS})
POLICY_TEXT = "# exported by a coordinator\n" + "\n".join([TEMPLATE, *KEYS]) + "\n"


@pytest.mark.parametrize("text", [POLICY_JSON, POLICY_TEXT], ids=["json", "text"])
def test_policy_is_the_same_wallet_as_the_descriptor(text: str) -> None:
    wallet = load_wallet(text, "vault", Network.TEST)
    assert wallet_record(wallet) == wallet_record(VAULT.wallet)
    # embit, from the descriptor written out here by hand, derives the same addresses
    by_hand = Descriptor.from_string("wsh(sortedmulti(2," + ",".join(
        f"{key}/<0;1>/*" for key in KEYS) + "))")
    for change in (False, True):
        expected = by_hand.derive(4, branch_index=int(change)).address(Network.TEST.params)
        assert wallet.address(change, 4) == expected


def test_json_name_is_used() -> None:
    assert load_wallet(POLICY_JSON, None, Network.TEST).name == "Cold storage"


def test_explicit_chains_and_multi_order() -> None:
    template = "wsh(multi(2,@1/<0;1>/*,@0/<0;1>/*))"
    wallet = load_wallet("\n".join([template, *KEYS[:2]]), "x", Network.TEST)
    assert not wallet.sorted_keys
    assert wallet.keys[0].descriptor_key(multipath=False) == KEYS[1]


@pytest.mark.parametrize("template, keys, why", [
    ("wsh(sortedmulti(2,@0/**,@1/**,@3/**))", KEYS, "only 3 keys"),
    ("wsh(sortedmulti(2,@0/**,@1/**))", KEYS, "key 2 of the policy is not used"),
    ("wsh(sortedmulti(2,@0/**,@1/**,@2))", KEYS, "@i/\\*\\* or @i/<a;b>/\\*"),
    ("wsh(sortedmulti(2,@0/<1;1>/*,@1/**,@2/**))", KEYS, "one chain twice"),
    (TEMPLATE, [KEYS[0], KEYS[1], KEYS[1]], "same key twice"),
    (TEMPLATE, [KEYS[0], KEYS[1], KEYS[2] + "/<0;1>/*"], "no derivation suffix"),
])
def test_bad_policies_are_refused(template: str, keys: list[str], why: str) -> None:
    document = json.dumps({"descriptor_template": template, "keys_info": keys})
    with pytest.raises(InvalidWallet, match=why):
        load_wallet(document, "x", Network.TEST)


def test_written_forms_read_back_to_the_same_wallet() -> None:
    policy = policy_of(VAULT.wallet)
    assert policy.template == TEMPLATE and list(policy.keys_info) == KEYS
    for text in (policy.as_json(), policy.as_text()):
        assert wallet_record(load_wallet(text, "vault", Network.TEST)) == wallet_record(
            VAULT.wallet)


def test_a_scanned_policy_is_a_wallet_file() -> None:
    assert classify(POLICY_TEXT).kind is PayloadKind.WALLET_FILE
    assert classify(POLICY_JSON).kind is PayloadKind.WALLET_FILE


def test_cli_registers_a_policy_and_shows_it_in_each_form(vault_keystore, monkeypatch,
                                                          capsys, tmp_path) -> None:
    source = tmp_path / "policy.json"
    source.write_text(json.dumps({"name": "ledger-style", "descriptor_template":
                                  "wsh(multi(2,@0/**,@1/**,@2/**))", "keys_info": KEYS}))
    code, out, err = run_cli(monkeypatch, capsys, "wallet", "add", str(source))
    assert code == 0, err
    code, out, _ = run_cli(monkeypatch, capsys, "wallet", "show", "ledger-style", "--format",
                           "bip388-json")
    shown = json.loads(out)
    assert shown["descriptor_template"] == "wsh(multi(2,@0/**,@1/**,@2/**))"
    assert shown["keys_info"] == KEYS and shown["name"] == "ledger-style"
    code, out, _ = run_cli(monkeypatch, capsys, "wallet", "show", "ledger-style", "--format",
                           "bip388-text")
    assert out.splitlines()[1:] == ["wsh(multi(2,@0/**,@1/**,@2/**))", *KEYS]
    code, out, _ = run_cli(monkeypatch, capsys, "wallet", "show", "ledger-style", "--format",
                           "descriptor")
    by_hand = Descriptor.from_string("wsh(multi(2," + ",".join(
        f"{key}/<0;1>/*" for key in KEYS) + "))")
    assert Descriptor.from_string(out.strip()).derive(7, branch_index=1).address(
        Network.TEST.params) == by_hand.derive(7, branch_index=1).address(Network.TEST.params)
    code, _, err = run_cli(monkeypatch, capsys, "wallet", "list", "--format", "descriptor")
    assert code == 2 and "--format only goes with wallet show" in err
