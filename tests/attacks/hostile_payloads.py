"""Hostile QR sequences and wallet files: how each file in tests/attacks/corpus/qr/ and
tests/attacks/corpus/wallet/ is made, and how the device must refuse it. Regenerate with
`.venv/bin/python tests/attacks/hostile_payloads.py`.

QR files hold one scanned frame per line, in the order a camera would deliver them. Wallet
files are what a coordinator would show; the device is cosigner 0 of tests/wallet_kit.py.
"""

import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # run as a script: wallet_kit lives in tests/
    sys.path.insert(0, str(TESTS))

from embit.bip32 import HDKey  # noqa: E402
from embit.networks import NETWORKS  # noqa: E402
from wallet_kit import key_expression, root  # noqa: E402

from signer.errors import (  # noqa: E402
    AirsignError,
    InvalidWallet,
    PayloadTooLarge,
    TransportError,
    WalletMismatch,
    WrongNetwork,
)
from signer.network import Network  # noqa: E402
from signer.scripts import ScriptType, format_path  # noqa: E402
from signer.transport import bbqr, bytewords  # noqa: E402
from signer.transport.fountain import FountainPart  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus"
FIFTY_MB = 50 * 1024 * 1024


@dataclass(frozen=True)
class PayloadCase:
    name: str
    kind: str  # "qr" or "wallet"
    build: Callable[[], str]
    refused: type[AirsignError]
    match: str  # a fragment of the one-line message
    shows: str  # for docs/SECURITY.md

    @property
    def path(self) -> Path:
        return CORPUS / self.kind / f"{self.name}.txt"


# --- QR sequences -----------------------------------------------------------------------
def _ur_part(ur_type: str, header: tuple[int, int], part: FountainPart) -> str:
    body = bytewords.encode(part.to_cbor())
    return f"ur:{ur_type}/{header[0]}-{header[1]}/{body}"


def ur_billions_of_fragments() -> str:
    part = FountainPart(1, 4_000_000_000, 60, 0x12345678, bytes(30))
    return _ur_part("crypto-psbt", (1, 4_000_000_000), part)


def ur_header_hides_billions() -> str:
    part = FountainPart(1, 4_000_000_000, 60, 0x12345678, bytes(30))
    return _ur_part("crypto-psbt", (1, 2), part)


def ur_fifty_megabyte_message() -> str:
    part = FountainPart(1, 3, FIFTY_MB, 0x12345678, bytes(30))
    return _ur_part("crypto-psbt", (1, 3), part)


def ur_deeply_nested_cbor() -> str:
    # A single-part ur:crypto-psbt whose CBOR is 20,000 nested one-element arrays.
    return "ur:crypto-psbt/" + bytewords.encode(b"\x81" * 20_000 + b"\x00")


def bbqr_zip_bomb() -> str:
    """50 MB of zeros, raw-DEFLATEd as BBQr's Z encoding does, split into 4,000-char parts."""
    squeezer = zlib.compressobj(9, zlib.DEFLATED, -10)
    zeros = bytes(1024 * 1024)
    deflated = b"".join(squeezer.compress(zeros) for _ in range(50)) + squeezer.flush()
    body = bbqr.encode_body("2", deflated)  # base32 of our own DEFLATE output
    chunk = 4_000
    pieces = [body[i:i + chunk] for i in range(0, len(body), chunk)]
    total = bbqr.to_base36(len(pieces))
    return "\n".join(f"B$ZP{total}{bbqr.to_base36(i)}{piece}" for i, piece in enumerate(pieces))


def bbqr_claims_fifty_megabytes() -> str:
    # 1,295 parts ("ZZ") of 40,500 bytes each: the first part alone claims over 50 MB.
    return "B$HPZZ00" + "00" * 40_500


def pmofn_claims_fifty_megabytes() -> str:
    return "p1of9999 " + "cHNidP8B" * 700


def pmofn_too_many_parts() -> str:
    return "p1of999999 cHNidP8B"


# --- wallet files ---------------------------------------------------------------------------
def _wsh(*keys: str, threshold: int = 2) -> str:
    return f"wsh(sortedmulti({threshold},{','.join(keys)}))"


def _account(cosigner: int, account: int) -> str:
    return key_expression(cosigner, path=ScriptType.P2WSH.account_path(Network.TEST, account))


def our_key_at_wrong_path() -> str:
    # Our account-0 xpub labelled as account 1: signing would use keys the wallet lacks.
    real = ScriptType.P2WSH.account_path(Network.TEST, 0)
    claimed = ScriptType.P2WSH.account_path(Network.TEST, 1)
    xpub = root(0).derive(list(real)).to_public(version=NETWORKS["test"]["xpub"])
    origin = format_path(claimed).replace("m", root(0).my_fingerprint.hex(), 1)
    return _wsh(f"[{origin}]{xpub.to_base58()}/<0;1>/*", key_expression(1), key_expression(2))


def _our_key_posing(real: tuple[int, ...], fingerprint: str) -> str:
    """Our seed's key at `real`, listed as another cosigner's (fingerprint, BIP-48 path),
    its depth and child number rewritten to fit the claimed path."""
    key = root(0).derive(list(real))
    path = ScriptType.P2WSH.account_path(Network.TEST, 0)
    xpub = HDKey(key.key.get_public_key(), key.chain_code, version=NETWORKS["test"]["xpub"],
                 depth=len(path), fingerprint=bytes.fromhex(fingerprint), child_number=path[-1])
    return f"[{format_path(path).replace('m', fingerprint, 1)}]{xpub.to_base58()}/<0;1>/*"


def mainnet_wallet_on_testnet_device() -> str:
    return _wsh(*(key_expression(i, Network.MAIN) for i in (0, 1, 2)))


def our_second_account_as_cosigner() -> str:
    second = ScriptType.P2WSH.account_path(Network.TEST, 1)
    return _wsh(key_expression(0), _our_key_posing(second, "deadbeef"), key_expression(1))


def our_single_sig_account_as_cosigner() -> str:
    bip84 = ScriptType.P2WPKH.account_path(Network.TEST, 7)
    return _wsh(key_expression(0), _our_key_posing(bip84, "00000000"), key_expression(1))


def our_bip45_key_as_cosigner_one() -> str:
    # Claims cosigner 1's real fingerprint: only the public key gives it away.
    posing = _our_key_posing(ScriptType.P2SH.account_path(Network.TEST),
                             root(1).my_fingerprint.hex())
    return _wsh(key_expression(0), posing, key_expression(2))


def duplicate_keys() -> str:
    return _wsh(key_expression(0), key_expression(1), key_expression(1))


def threshold_zero() -> str:
    return _wsh(key_expression(0), key_expression(1), key_expression(2), threshold=0)


def threshold_above_keys() -> str:
    return _wsh(key_expression(0), key_expression(1), key_expression(2), threshold=4)


def twenty_one_keys() -> str:
    return _wsh(*(_account(i % 5, i) for i in range(21)))


def bad_checksum() -> str:
    return _wsh(key_expression(0), key_expression(1), key_expression(2)) + "#qqqqqqqq"


def without_our_key() -> str:
    return _wsh(key_expression(1), key_expression(2), key_expression(3))


def deeply_nested_json() -> str:
    return '{"descriptor": ' + "[" * 100_000 + "]" * 100_000 + "}"


CASES: tuple[PayloadCase, ...] = (
    PayloadCase("ur-billions-of-fragments", "qr", ur_billions_of_fragments, PayloadTooLarge,
                "4000000000 fragments",
                "UR part 1 of 4,000,000,000: refused at the first frame, nothing allocated"),
    PayloadCase("ur-header-hides-billions", "qr", ur_header_hides_billions, TransportError,
                "disagree", "header says 1-2, the CBOR 4,000,000,000 fragments: refused"),
    PayloadCase("ur-fifty-megabyte-message", "qr", ur_fifty_megabyte_message, PayloadTooLarge,
                "52428800 bytes", "a part claiming a 50 MB message: refused at the first frame"),
    PayloadCase("ur-deeply-nested-cbor", "qr", ur_deeply_nested_cbor, TransportError,
                "nested too deeply", "20,000 nested CBOR arrays: refused (depth limit)"),
    PayloadCase("bbqr-zip-bomb", "qr", bbqr_zip_bomb, PayloadTooLarge, "inflates to more than",
                "50 MB of zeros DEFLATEd into a 21-part BBQr series: inflating stops at the "
                "4 MB limit"),
    PayloadCase("bbqr-claims-fifty-megabytes", "qr", bbqr_claims_fifty_megabytes,
                PayloadTooLarge, "the limit is",
                "first BBQr part of a 1,295-part series of 40 kB parts: refused at once"),
    PayloadCase("pmofn-claims-fifty-megabytes", "qr", pmofn_claims_fifty_megabytes,
                PayloadTooLarge, "the limit is",
                "p1of9999 with a 5,600-character chunk: refused at once"),
    PayloadCase("pmofn-too-many-parts", "qr", pmofn_too_many_parts, PayloadTooLarge,
                "at most", "p1of999999: refused at once (at most 9,999 parts)"),
    PayloadCase("our-key-at-wrong-path", "wallet", our_key_at_wrong_path, WalletMismatch,
                "wrong path", "our xpub labelled with another account's path: refused"),
    PayloadCase("mainnet-wallet-on-testnet-device", "wallet", mainnet_wallet_on_testnet_device,
                WrongNetwork, "this wallet is for the main network, the device is set to test",
                "a mainnet (xpub) wallet on a testnet device: refused with one line naming both "
                "networks and how to switch (`airsign keystore settings --set network=main` or "
                "Settings on the device)"),
    PayloadCase("our-second-account-as-cosigner", "wallet", our_second_account_as_cosigner,
                WalletMismatch, "this device holds 2 of the 3 keys",
                "our BIP-48 account 1 key posing as cosigner deadbeef next to our account 0: "
                "refused, \"this device holds 2 of the 3 keys\""),
    PayloadCase("our-single-sig-account-as-cosigner", "wallet",
                our_single_sig_account_as_cosigner, WalletMismatch,
                "this device holds 2 of the 3 keys",
                "our BIP-84 account 7 key listed with fingerprint 00000000 and a BIP-48 path: "
                "refused"),
    PayloadCase("our-bip45-key-as-cosigner-one", "wallet", our_bip45_key_as_cosigner_one,
                WalletMismatch, "this device holds 2 of the 3 keys",
                "our BIP-45 key listed under cosigner 1's real fingerprint: found by its public "
                "key, refused"),
    PayloadCase("duplicate-keys", "wallet", duplicate_keys, InvalidWallet, "",
                "a cosigner listed twice: refused"),
    PayloadCase("threshold-zero", "wallet", threshold_zero, InvalidWallet, "",
                "0-of-3: refused"),
    PayloadCase("threshold-above-keys", "wallet", threshold_above_keys, InvalidWallet, "",
                "4-of-3: refused"),
    PayloadCase("twenty-one-keys", "wallet", twenty_one_keys, InvalidWallet, "at most 15",
                "21 cosigners: refused (at most 15)"),
    PayloadCase("bad-checksum", "wallet", bad_checksum, InvalidWallet, "checksum",
                "descriptor with a wrong BIP-380 checksum: refused"),
    PayloadCase("without-our-key", "wallet", without_our_key, WalletMismatch,
                "does not contain our key", "a wallet of three other cosigners: refused"),
    PayloadCase("deeply-nested-json", "wallet", deeply_nested_json, InvalidWallet,
                "nested too deeply", "100,000 nested JSON arrays: refused"),
)


def write_corpus() -> None:
    for case in CASES:
        case.path.parent.mkdir(parents=True, exist_ok=True)
        case.path.write_text(case.build() + "\n")


if __name__ == "__main__":
    write_corpus()
    print(f"wrote {len(CASES)} files under {CORPUS}")
