"""bitcoinjs-lib (BlueWallet's library) and @scure/btc-signer as coordinators: each builds the
2-of-3 spend with change; each library checks airsign's signature with its own sighash code, adds a
second cosigner's, finalizes and extracts the transaction, whose txid must be the request's."""

import pytest

from interop.interop_kit import CoordinatorRefused, airsign, node, read_qr_frames
from interop.psbt_kit import (
    SPEND,
    airsign_sign,
    assert_review_agrees,
    corrupt_signature,
    master_xprv,
    request,
)

pytestmark = pytest.mark.usefixtures("coordinators", "vault_keystore")

LIBRARIES = ["bitcoinjs.mjs", "scure.mjs"]


@pytest.mark.parametrize("library", LIBRARIES)
def test_verifies_completes_and_extracts_the_same_transaction(library: str, tmp_path) -> None:
    spend = request(f"{library} full", builder=library)  # each library builds its own
    signed = airsign_sign(spend["psbt"], tmp_path)
    assert_review_agrees(signed.review, SPEND, spend)
    done = node(library, "finalize", {"psbt": signed.psbt, "cosigner": master_xprv(1)})
    assert done["verified"] == [1]  # airsign's signature, checked before the second is added
    assert done["txid"] == spend["txid"]


@pytest.mark.parametrize("library", LIBRARIES)
def test_combines_a_signatures_only_reply(library: str, tmp_path) -> None:
    spend = request(f"{library} sigs-only")
    reply = airsign_sign(spend["psbt"], tmp_path, "--sigs-only").psbt
    assert len(reply) < len(spend["psbt"]) / 2
    done = node(library, "combine", {"psbt": spend["psbt"], "replies": [reply],
                                     "cosigner": master_xprv(2)})
    assert done["verified"] == [1]
    assert done["txid"] == spend["txid"]


@pytest.mark.parametrize("library", LIBRARIES)
def test_rejects_a_corrupted_signature(library: str, tmp_path) -> None:
    signed = airsign_sign(request(f"{library} corrupt")["psbt"], tmp_path).psbt
    with pytest.raises(CoordinatorRefused, match="does not verify"):
        node(library, "finalize", {"psbt": corrupt_signature(signed),
                                   "cosigner": master_xprv(1)})


@pytest.mark.parametrize("library", LIBRARIES)
def test_refuses_to_combine_a_reply_for_another_transaction(library: str, tmp_path) -> None:
    spend = request(f"{library} combine one")
    other = airsign_sign(request(f"{library} combine two")["psbt"], tmp_path, "--sigs-only")
    # bitcoinjs: "does not have the same transaction"; scure: "different unsigned tx"
    with pytest.raises(CoordinatorRefused, match="same transaction|different unsigned tx"):
        node(library, "combine", {"psbt": spend["psbt"], "replies": [other.psbt],
                                  "cosigner": master_xprv(2)})


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_key_outside_the_wallet_cannot_complete_it(library: str, tmp_path) -> None:
    signed = airsign_sign(request(f"{library} outsider")["psbt"], tmp_path).psbt
    with pytest.raises(CoordinatorRefused, match="No inputs (were )?signed"):
        node(library, "finalize", {"psbt": signed, "cosigner": master_xprv(3)})


def test_a_spend_from_another_wallet_is_refused_by_airsign(tmp_path) -> None:
    other = request("another wallet", cosigners=(0, 1, 3))
    path = tmp_path / "other.psbt"
    path.write_text(other["psbt"])
    result = airsign("sign", str(path), "--yes")
    assert result.returncode == 1, result.stderr.decode()
    assert "[unknown-wallet]" in result.stderr.decode()
    assert not result.stdout


@pytest.mark.parametrize("library", LIBRARIES)
def test_one_base64_qr_in_one_qr_of_signatures_back_merged(library: str, tmp_path) -> None:
    # The coordinator shows its PSBT as one base64 QR; the whole signed PSBT would not fit
    # one QR at airsign's density, so the one QR back carries only our signatures.
    spend = request(f"{library} one qr", builder=library)
    node("qr.mjs", "show", {"texts": [spend["psbt"]], "outDir": str(tmp_path / "request")})
    result = airsign("sign", str(tmp_path / "request"), "--yes", "--qr-dir",
                     str(tmp_path / "reply"))
    assert result.returncode == 0, result.stderr.decode()
    assert "only our signatures" in result.stderr.decode()
    (reply,) = read_qr_frames(sorted((tmp_path / "reply").glob("*.png")))
    assert reply.startswith("cHNidP") and len(reply) < len(spend["psbt"]) / 2
    done = node(library, "combine", {"psbt": spend["psbt"], "replies": [reply],
                                     "cosigner": master_xprv(2)})
    assert done["verified"] == [1]
    assert done["txid"] == spend["txid"]
