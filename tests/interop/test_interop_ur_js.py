"""@ngraveio/bc-ur with @keystonehq/bc-ur-registry (BlueWallet's and Keystone's UR stack):
they read airsign's crypto-account cosigner export and wallet exports, make fountain-coded
PSBT requests that airsign scans from PNG frames joined mid-stream, and read its replies."""

import json

import pytest
from cli_kit import VAULT
from independent.cosigners import root

from interop.interop_kit import (
    REPO,
    CoordinatorRefused,
    airsign,
    airsign_wallet_export,
    node,
    read_qr_frames,
)
from interop.psbt_kit import master_xprv, request, wallet_json
from signer.network import Network
from signer.scripts import ScriptType, format_path
from signer.transport.encoders import encode_frames
from signer.transport.types import Format, Payload, PayloadKind

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


def scan_and_sign(frames_dir, tmp_path) -> list[str]:
    """airsign scans the coordinator's PNG frames, signs, and shows its reply as PNG frames;
    the reply's QR texts in display order."""
    reply_dir = tmp_path / "reply"
    result = airsign("sign", str(frames_dir), "--yes", "--qr-dir", str(reply_dir))
    assert result.returncode == 0, result.stderr.decode()
    return read_qr_frames(sorted(reply_dir.glob("*.png")))


@pytest.mark.parametrize("ur_type", ["crypto-psbt", "psbt"])
def test_fountain_request_joined_mid_stream_is_signed_and_read_back(ur_type: str,
                                                                    tmp_path) -> None:
    spend = request(f"ur {ur_type}")
    shown = node("ur.mjs", "encode", {"psbt": spend["psbt"], "type": ur_type,
                                      "maxFragmentLength": 90, "firstSeqNum": 3, "count": 14,
                                      "outDir": str(tmp_path / "request")})
    assert shown["fragments"] >= 6  # pure parts 1-3 never shown: fountain parts stand in
    assert shown["parts"][0].startswith(f"UR:{ur_type.upper()}/4-")
    reply = node("ur.mjs", "decode", {"parts": scan_and_sign(tmp_path / "request", tmp_path)})
    assert reply["type"] == ur_type  # answered in the type it was asked in
    done = node("bitcoinjs.mjs", "finalize", {"psbt": reply["psbt"],
                                              "cosigner": master_xprv(1)})
    assert done["verified"] == [1]
    assert done["txid"] == spend["txid"]


def test_an_incomplete_fountain_request_is_refused_in_one_line(tmp_path) -> None:
    spend = request("ur incomplete")
    shown = node("ur.mjs", "encode", {"psbt": spend["psbt"], "type": "crypto-psbt",
                                      "maxFragmentLength": 90, "firstSeqNum": 0, "count": 3,
                                      "outDir": str(tmp_path / "request")})
    assert shown["fragments"] > 3
    result = airsign("sign", str(tmp_path / "request"), "--yes")
    assert result.returncode != 0 and not result.stdout
    assert len(result.stderr.decode().strip().splitlines()) == 1, result.stderr.decode()


def test_registry_refuses_a_reply_with_a_damaged_part(tmp_path) -> None:
    spend = request("ur damaged reply")
    node("ur.mjs", "encode", {"psbt": spend["psbt"], "type": "crypto-psbt",
                              "maxFragmentLength": 90, "firstSeqNum": 0, "count": 12,
                              "outDir": str(tmp_path / "request")})
    reply = scan_and_sign(tmp_path / "request", tmp_path)
    assert len(reply) > 1
    head, body = reply[0].rsplit("/", 1)
    damaged = body[:40] + ("A" if body[40] != "A" else "B") + body[41:]
    with pytest.raises(CoordinatorRefused, match="Invalid Checksum"):
        node("ur.mjs", "decode", {"parts": [f"{head}/{damaged}", *reply[1:]]})


def test_registry_reads_the_wallet_export_as_bytes(tmp_path) -> None:
    descriptor = VAULT.wallet.descriptor()
    parts = airsign_wallet_export(descriptor, "ur", tmp_path)
    read = node("ur.mjs", "decode", {"parts": parts})
    assert read["type"] == "bytes" and read["text"].strip() == descriptor


def test_registry_reads_the_wallet_as_crypto_output() -> None:
    frames = encode_frames(Payload(PayloadKind.DESCRIPTOR, VAULT.wallet.descriptor(),
                                   Format.SINGLE), Format.UR, encoding="crypto-output")
    read = node("ur.mjs", "decode", {"parts": list(frames.frames)})
    assert read["type"] == "crypto-output"
    assert read["scripts"] == ["wsh", "sortedmulti"] and read["threshold"] == 2
    origin = ScriptType.P2WSH.account_path(Network.TEST, 0)
    expected = [{"xpub": root(i).derive(list(origin)).to_public().to_base58(),
                 "path": format_path(origin, hardened_marker="'"),
                 "sourceFingerprint": root(i).my_fingerprint.hex(), "network": 1}
                for i in (0, 1, 2)]
    assert read["keys"] == expected


def test_airsign_registers_the_wallet_the_registry_shows(tmp_path) -> None:
    # A coordinator shows a 2-of-3 (cosigners 0, 1, 3) as an animated crypto-output made by
    # the registry; airsign scans it, registers it, and derives bitcoinjs's addresses.
    wallet = wallet_json((0, 1, 3))
    shown = node("ur.mjs", "encode-wallet", {"wallet": wallet, "maxFragmentLength": 150,
                                             "outDir": str(tmp_path / "frames")})
    assert len(shown["parts"]) > 1
    descriptor = tmp_path / "scanned.txt"
    scanned = airsign("decode", str(tmp_path / "frames"), "--out", str(descriptor))
    assert scanned.returncode == 0, scanned.stderr.decode()
    added = airsign("wallet", "add", str(descriptor), "--name", "shown")
    assert added.returncode == 0, added.stderr.decode()
    for index in (0, 1, 2):
        address = node("bitcoinjs.mjs", "address", {"wallet": wallet, "chain": 0,
                                                     "index": index})
        assert f"Receive address {index}: {address}\n" in added.stdout.decode()


def test_airsign_refuses_a_shown_wallet_without_its_key(tmp_path) -> None:
    shown = node("ur.mjs", "encode-wallet", {"wallet": wallet_json((1, 2, 3)),
                                             "maxFragmentLength": 150,
                                             "outDir": str(tmp_path / "frames")})
    assert len(shown["parts"]) > 1
    descriptor = tmp_path / "scanned.txt"
    assert airsign("decode", str(tmp_path / "frames"), "--out", str(descriptor)).returncode == 0
    added = airsign("wallet", "add", str(descriptor), "--name", "foreign")
    assert added.returncode == 1
    (line,) = added.stderr.decode().strip().splitlines()
    assert "does not contain our key" in line
