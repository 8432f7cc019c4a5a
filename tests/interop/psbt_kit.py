"""The 2-of-3 testnet P2WSH wallet the PSBT interop cases spend from, as a coordinator sees it
(cosigners 0, 1, 2 of tests/independent; airsign holds cosigner 0), and PSBT surgery for the
cases that must fail."""

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from embit.psbt import PSBT
from independent.cosigners import account_xpub, root

from interop.interop_kit import airsign, node
from signer.network import Network
from signer.scripts import ScriptType, format_path

ORIGIN = ScriptType.P2WSH.account_path(Network.TEST, 0)
# The spend every case makes: one coin of the wallet, a payment, change back, a fee.
SPEND = {"amount": 250_000, "pay": 120_000, "fee": 1_500}


def wallet_json(cosigners: tuple[int, ...] = (0, 1, 2), threshold: int = 2) -> dict:
    """The wallet's public keys as a coordinator stores them."""
    return {"threshold": threshold, "cosigners": [
        {"fingerprint": root(i).my_fingerprint.hex(),
         "xpub": account_xpub(i, ORIGIN, Network.TEST).to_base58(),
         "path": format_path(ORIGIN, hardened_marker="'")} for i in cosigners]}


def request(label: str, cosigners: tuple[int, ...] = (0, 1, 2),
            builder: str = "bitcoinjs.mjs") -> dict:
    """The coordinator library `builder` (bitcoinjs-lib or @scure/btc-signer) builds SPEND
    from the wallet of `cosigners`, the coin made unique by `label`:
    {psbt (base64), txid, payee, change}."""
    return node(builder, "build", {"wallet": wallet_json(cosigners), "label": label, **SPEND})


def master_xprv(cosigner: int) -> str:
    """A second cosigner's master key, for the coordinator library to sign with."""
    return root(cosigner).to_base58()


@dataclass(frozen=True)
class Signed:
    psbt: str  # base64, as airsign wrote it
    review: str  # what airsign showed before signing


def airsign_sign(request_b64: str, tmp_path: Path, *extra: str) -> Signed:
    """`airsign sign --yes` on a base64 PSBT file (fails the test on a refusal)."""
    request = tmp_path / "request.psbt"
    request.write_text(request_b64 + "\n")
    reply = tmp_path / "reply.psbt"
    result = airsign("sign", str(request), "--yes", "--out", str(reply), *extra)
    assert result.returncode == 0, result.stderr.decode()
    return Signed(reply.read_text().strip(), result.stderr.decode())


def corrupt_signature(signed_b64: str) -> str:
    """The same PSBT with one bit of r flipped in its first partial signature (still DER)."""
    psbt = PSBT.from_string(signed_b64)
    for scope in psbt.inputs:
        for pubkey, signature in scope.partial_sigs.items():
            damaged = bytearray(signature)
            damaged[10] ^= 0x01  # inside r: 30 len 02 len r...
            scope.partial_sigs[pubkey] = bytes(damaged)
            return base64.b64encode(psbt.serialize()).decode()
    raise AssertionError("the PSBT holds no partial signature")


def btc(sats: int) -> str:
    return f"{sats // 100_000_000}.{sats % 100_000_000:08d} BTC"


def assert_review_agrees(review: str, spend: dict, built: dict) -> None:
    """airsign's review shows the payment, the change and the fee the coordinator built."""
    change = spend["amount"] - spend["pay"] - spend["fee"]
    assert re.search(rf"SEND +{re.escape(btc(spend['pay']))} +{built['payee']}\n", review)
    assert re.search(rf"change +{re.escape(btc(change))} +{built['change']} ", review)
    assert f"Fee: {btc(spend['fee'])} " in review
