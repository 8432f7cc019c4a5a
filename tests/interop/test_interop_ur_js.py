"""@ngraveio/bc-ur with @keystonehq/bc-ur-registry (BlueWallet's and Keystone's UR stack):
they read airsign's crypto-account cosigner export and wallet exports, make fountain-coded
PSBT requests that airsign scans from PNG frames joined mid-stream, and read its replies."""

import json

import pytest
from independent.cosigners import root

from interop.interop_kit import REPO, CoordinatorRefused, airsign, node, read_qr_frames
from signer.network import Network
from signer.scripts import ScriptType, format_path

pytestmark = pytest.mark.usefixtures("coordinators", "vault_keystore")

# The script functions BlueWallet and Keystone expect for each account type.
ACCOUNT_SCRIPTS = {ScriptType.P2WSH: ["wsh"], ScriptType.P2SH_P2WSH: ["sh", "wsh"],
                   ScriptType.P2SH: ["sh"], ScriptType.P2WPKH: ["wpkh"]}


@pytest.mark.parametrize("script", list(ACCOUNT_SCRIPTS), ids=str)
def test_registry_reads_the_crypto_account_export(script: ScriptType, tmp_path) -> None:
    png = tmp_path / "account.png"
    result = airsign("xpub", "--script", script.value, "--format", "ur", "--png", str(png))
    assert result.returncode == 0, result.stderr.decode()
    account = node("ur.mjs", "decode", {"parts": read_qr_frames([png])})
    assert account["type"] == "crypto-account"
    assert account["masterFingerprint"] == root(0).my_fingerprint.hex()
    (output,) = account["outputs"]
    origin = script.account_path(Network.TEST, 0)
    assert output["scripts"] == ACCOUNT_SCRIPTS[script]
    assert output["path"] == format_path(origin, hardened_marker="'")
    # The registry writes mainnet xpub versions whatever the network; the key must be ours.
    assert output["xpub"] == root(0).derive(list(origin)).to_public().to_base58()
    assert output["sourceFingerprint"] == root(0).my_fingerprint.hex()
    assert output["network"] == 1


def test_registry_throws_on_the_2021_revision_form_airsign_no_longer_writes() -> None:
    # The paper's later example (#6.308 around each entry, cosigner()): what airsign wrote
    # before, and why it is not written any more.
    examples = json.loads((REPO / "tests/vectors/ur/bcr_ur_examples.json").read_text())
    later = next(e for e in examples["examples"] if e["name"] == "crypto-account test vector")
    with pytest.raises(CoordinatorRefused, match="CryptoECKey"):
        node("ur.mjs", "decode", {"parts": [later["ur"]]})
