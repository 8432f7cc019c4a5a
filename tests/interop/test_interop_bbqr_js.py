"""Coinkite's BBQr reference code (npm `bbqr`, from coinkite/BBQr): it splits PSBT requests
in each encoding (Z: deflate + base32, 2: base32, H: hex) into PNG frames that airsign scans,
and joins airsign's BBQr replies, which bitcoinjs then completes."""

import base64
import json

import pytest
from cli_kit import VAULT
from independent.cosigners import account_xpub, root

from interop.interop_kit import (
    CoordinatorRefused,
    airsign,
    airsign_wallet_export,
    node,
    read_gif_frames,
    read_qr_frames,
)
from interop.psbt_kit import master_xprv, request
from signer.network import Network
from signer.scripts import ScriptType

pytestmark = pytest.mark.usefixtures("coordinators", "vault_keystore")


def split_request(label: str, encoding: str, tmp_path) -> tuple[dict, dict]:
    spend = request(label)
    shown = node("bbqr.mjs", "split", {"psbt": spend["psbt"], "encoding": encoding,
                                       "maxVersion": 9, "outDir": str(tmp_path / "request")})
    return spend, shown


def sign_frames(tmp_path) -> list[str]:
    reply_dir = tmp_path / "reply"
    result = airsign("sign", str(tmp_path / "request"), "--yes", "--qr-dir", str(reply_dir))
    assert result.returncode == 0, result.stderr.decode()
    return read_qr_frames(sorted(reply_dir.glob("*.png")))


@pytest.mark.parametrize("encoding", ["Z", "2", "H"])
def test_split_request_is_signed_and_the_reply_joins(encoding: str, tmp_path) -> None:
    spend, shown = split_request(f"bbqr {encoding}", encoding, tmp_path)
    assert shown["encoding"] == encoding and len(shown["parts"]) > 1
    assert all(part.startswith(f"B${encoding}P") for part in shown["parts"])
    reply = sign_frames(tmp_path)
    assert reply[0].startswith("B$")
    joined = node("bbqr.mjs", "join", {"parts": reply})
    assert (joined["fileType"], joined["encoding"]) == ("P", encoding)  # answered in kind
    done = node("bitcoinjs.mjs", "finalize", {"psbt": joined["data"],
                                              "cosigner": master_xprv(1)})
    assert done["verified"] == [1]
    assert done["txid"] == spend["txid"]


def test_a_request_missing_a_part_is_refused_in_one_line(tmp_path) -> None:
    _, shown = split_request("bbqr missing", "Z", tmp_path)
    assert len(shown["parts"]) == 3
    (tmp_path / "request" / "frame-0001.png").unlink()
    result = airsign("sign", str(tmp_path / "request"), "--yes")
    assert result.returncode != 0 and not result.stdout
    assert result.stderr.decode().strip().splitlines() == [
        "airsign: the frames ended before the QR sequence was complete: 2 of 3 parts "
        "(missing 2)"], result.stderr.decode()


def test_join_refuses_a_reply_missing_a_part(tmp_path) -> None:
    split_request("bbqr reply missing", "2", tmp_path)
    reply = sign_frames(tmp_path)
    assert len(reply) > 1
    with pytest.raises(CoordinatorRefused, match="Part 0 is missing"):
        node("bbqr.mjs", "join", {"parts": reply[1:]})


def test_join_reads_the_wallet_export(tmp_path) -> None:
    descriptor = VAULT.wallet.descriptor()
    joined = node("bbqr.mjs", "join", {"parts": airsign_wallet_export(descriptor, "bbqr",
                                                                      tmp_path)})
    assert joined["fileType"] == "U"
    assert base64.b64decode(joined["data"]).decode().strip() == descriptor


@pytest.mark.parametrize("export", ["coldcard-json", "json"])
def test_join_reads_the_cosigner_key_export(export: str, tmp_path) -> None:
    gif = tmp_path / "key.gif"
    result = airsign("xpub", "--format", export, "--qr-gif", str(gif))
    assert result.returncode == 0, result.stderr.decode()
    joined = node("bbqr.mjs", "join", {"parts": read_gif_frames(gif)})
    assert joined["fileType"] == "J"
    data = json.loads(base64.b64decode(joined["data"]))
    origin = ScriptType.P2WSH.account_path(Network.TEST, 0)
    tpub = account_xpub(0, origin, Network.TEST).to_base58()
    assert data["xfp"] == root(0).my_fingerprint.hex().upper()
    if export == "json":  # the fields BlueWallet's cosigner import reads
        assert (data["xpub"], data["path"]) == (tpub, "m/48'/1'/0'/2'")
    else:
        assert (data["p2wsh"], data["p2wsh_deriv"]) == (tpub, "m/48'/1'/0'/2'")
