"""Classify the payload of one plain (non-animated) QR into a typed Payload.

Decided by structure, in an order where no earlier rule can claim a later one's input:
raw bytes -> PSBT / compact SeedQR / transaction / bytes; text -> SeedSigner's sign-message
request, base64 PSBT, standard SeedQR digits, hex PSBT or transaction, bitcoin: URI,
descriptor(s), xpub, address, wallet JSON, Coldcard/BSMS wallet text, BIP-39 words (or their
4-letter prefixes), base43 (Electrum) PSBT or transaction, else TEXT.
"""

import base64
import io
import json
import re
import struct
from decimal import Decimal
from urllib.parse import parse_qsl, unquote

from embit import base58, bech32, bip39
from embit.base import EmbitError
from embit.descriptor.checksum import checksum as descriptor_checksum
from embit.networks import NETWORKS
from embit.transaction import Transaction

from signer.errors import InvalidKey, InvalidMnemonic, InvalidWallet, TransportError
from signer.psbt import MAGIC as PSBT_MAGIC
from signer.seed.words import VALID_LENGTHS, resolve
from signer.transport import base43, seedqr
from signer.transport.types import Format, Payload, PayloadKind
from signer.wallet.extkeys import public_key_network
from signer.wallet.formats import is_wallet_json
from signer.wallet.policy388 import is_policy_text

PSBT_BASE64_PREFIX = "cHNidP"  # base64 of "psbt"; the next char also carries the next byte
_WHITESPACE = re.compile(r"\s")
_AMOUNT = re.compile(r"[0-9]*\.?[0-9]+|[0-9]+\.")
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_DESCRIPTOR_START = re.compile(
    r"(sh|wsh|tr|pk|pkh|wpkh|multi|sortedmulti|multi_a|sortedmulti_a|combo|addr|raw|rawtr)\("
)
_XPUB = re.compile(
    r"(?:\[(?P<fingerprint>[0-9a-fA-F]{8})(?P<path>(?:/[0-9]+['hH]?)*)\])?"
    r"(?P<key>[a-zA-Z]pub[1-9A-HJ-NP-Za-km-z]{100,112})"
)
_BASE58_ADDRESS = re.compile(r"[123mn][1-9A-HJ-NP-Za-km-z]{25,34}")
_BECH32_ADDRESS = re.compile(r"(bc|tb|bcrt)1[02-9ac-hj-np-z]{8,87}", re.IGNORECASE)


def classify(data: str | bytes) -> Payload:
    """The typed payload of one QR; raises an AirsignError subclass for damaged content."""
    if isinstance(data, bytes):
        return _classify_bytes(data)
    return classify_text(data)


def _classify_bytes(raw: bytes) -> Payload:
    if raw.startswith(PSBT_MAGIC):
        return Payload(PayloadKind.PSBT, raw, Format.SINGLE, "binary")
    if len(raw) in seedqr.COMPACT_LENGTHS and _looks_binary(raw.decode("latin-1")):
        return _seed_payload(seedqr.decode(raw), "compact")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    # UTF-8 that is plain text, or a reader's re-encoding of a compact SeedQR.
    if text is not None and (_is_plain_text(text) or seedqr.compact_bytes(text) is not None):
        return classify_text(text)
    if _parses_as_transaction(raw):
        return Payload(PayloadKind.TRANSACTION, raw, Format.SINGLE, "binary")
    return Payload(PayloadKind.BYTES, raw, Format.SINGLE, "binary")


def _is_plain_text(text: str) -> bool:
    """No control characters but newlines and tabs: not binary that a reader turned into str."""
    return _CONTROL_CHARACTER.search(text) is None


def _looks_binary(text: str) -> bool:
    """Control or non-ASCII characters: everything a cosigner reads as text is ASCII, while
    random entropy bytes shown as text almost always include some."""
    return not text.isascii() or not _is_plain_text(text)


def _is_mangled_compact_seedqr(text: str) -> bool:
    """Compact SeedQR bytes a QR reader turned into text: with control characters it is binary
    for sure; printable non-ASCII text counts only as one char per byte (latin-1) or as a
    Shift-JIS reading, so ordinary accented text is not taken for a seed."""
    if not _looks_binary(text):
        return False
    if not _is_plain_text(text):
        return seedqr.compact_bytes(text) is not None
    if max(map(ord, text)) < 256:
        return len(text) in seedqr.COMPACT_LENGTHS
    try:
        return len(text.encode("shift_jis")) in seedqr.COMPACT_LENGTHS
    except UnicodeEncodeError:
        return False


def classify_text(text: str) -> Payload:
    if _is_mangled_compact_seedqr(text):
        return _seed_payload(seedqr.decode(text), "compact")
    if text.startswith("signmessage "):  # unstripped: every byte of a message is signed
        return Payload(PayloadKind.SIGN_MESSAGE, text, Format.SINGLE, "signmessage")
    stripped = text.strip()
    for rule in _TEXT_RULES:
        payload = rule(stripped)
        if payload is not None:
            return payload
    return Payload(PayloadKind.TEXT, text, Format.SINGLE, "text")  # verbatim: nothing lost


def _seed_payload(words: list[str], encoding: str) -> Payload:
    return Payload(PayloadKind.SEEDQR, " ".join(words), Format.SINGLE, encoding)


def _base64_psbt(text: str) -> Payload | None:
    if not text.startswith(PSBT_BASE64_PREFIX):
        return None
    try:
        if _WHITESPACE.search(text):  # line-wrapped base64 is fine
            text = "".join(text.split())
        raw = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or a non-ASCII character
        raise TransportError("a base64 PSBT that does not decode: damaged or cut short") from None
    if not raw.startswith(PSBT_MAGIC):
        raise TransportError("base64 text that starts like a PSBT but lacks the PSBT magic")
    return Payload(PayloadKind.PSBT, raw, Format.SINGLE, "base64")


def _standard_seedqr(text: str) -> Payload | None:
    if not seedqr.is_standard(text):
        return None
    return _seed_payload(seedqr.decode(text), "standard")


def _hex_psbt_or_transaction(text: str) -> Payload | None:
    if not _HEX.fullmatch(text):
        return None
    return _psbt_or_transaction(bytes.fromhex(text), "hex")


def _psbt_or_transaction(raw: bytes, encoding: str) -> Payload | None:
    """Text-encoded bytes that are a PSBT or a whole transaction; None for anything else."""
    if raw.startswith(PSBT_MAGIC):
        return Payload(PayloadKind.PSBT, raw, Format.SINGLE, encoding)
    if _parses_as_transaction(raw):
        return Payload(PayloadKind.TRANSACTION, raw, Format.SINGLE, encoding)
    return None


def _parses_as_transaction(raw: bytes) -> bool:
    stream = io.BytesIO(raw)
    try:
        Transaction.read_from(stream)
    except (EmbitError, ValueError, IndexError, RuntimeError, OverflowError, struct.error):
        return False
    return stream.tell() == len(raw) and len(raw) >= 60


def address_network(address: str) -> str | None:
    """ "main" or "test" (testnet, signet and regtest share prefixes) for a valid address."""
    if _BECH32_ADDRESS.fullmatch(address):
        hrp = address[: address.rfind("1")].lower()
        version, program = bech32.decode(hrp, address)
        if version is None or program is None:
            return None
        return {"bc": "main", "tb": "test", "bcrt": "test"}[hrp]
    if _BASE58_ADDRESS.fullmatch(address):
        try:
            raw = base58.decode_check(address)
        except (ValueError, EmbitError):
            return None
        if len(raw) != 21:
            return None
        for network in ("main", "test"):
            if raw[:1] in (NETWORKS[network]["p2pkh"], NETWORKS[network]["p2sh"]):
                return network
    return None


def _normalised_address(address: str) -> str:
    return address.lower() if _BECH32_ADDRESS.fullmatch(address) else address


def _bitcoin_uri(text: str) -> Payload | None:
    if not text.lower().startswith("bitcoin:"):
        return None
    address, _, query = text[len("bitcoin:") :].partition("?")
    network = address_network(address)
    if network is None:
        raise TransportError("bitcoin: URI without a valid address (damaged or cut short?)")
    meta = {"network": network}
    for key, value in parse_qsl(query, keep_blank_values=True):
        name = key.lower()
        if name == "amount":
            meta["amount"] = _btc_amount(value)
        elif name in ("label", "message"):
            meta[name] = unquote(value)
        elif name.startswith("req-"):
            raise TransportError(f"bitcoin: URI requires {key!r}, which airsign does not know")
    return Payload(PayloadKind.ADDRESS, _normalised_address(address), Format.SINGLE, "bip21", meta)


def _btc_amount(value: str) -> str:
    if not _AMOUNT.fullmatch(value):  # BIP-21: digits with an optional "." (Decimal takes more)
        raise TransportError(f"bitcoin: URI amount {value!r} is not a number")
    amount = Decimal(value)
    if amount.as_tuple().exponent < -8:  # a plain decimal: the exponent is an int
        raise TransportError(f"bitcoin: URI amount {value!r} has more than 8 decimals")
    return value


def _bare_address(text: str) -> Payload | None:
    if not (_BECH32_ADDRESS.fullmatch(text) or _BASE58_ADDRESS.fullmatch(text)):
        return None
    network = address_network(text)
    if network is None:
        if _BECH32_ADDRESS.fullmatch(text):
            raise TransportError("address checksum does not match: damaged or mistyped")
        return None  # base58-looking text that is not an address: let later rules decide
    return Payload(
        PayloadKind.ADDRESS,
        _normalised_address(text),
        Format.SINGLE,
        "address",
        {"network": network},
    )


def _descriptors(text: str) -> Payload | None:
    """One output descriptor (DESCRIPTOR), or several lines of them with `#` comments as
    Sparrow and Bitcoin Core export a wallet (WALLET_FILE). BIP-380 checksums are verified."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    descriptor_lines = [line for line in lines if not line.startswith("#")]
    if not descriptor_lines or not all(_DESCRIPTOR_START.match(line) for line in descriptor_lines):
        return None
    for line in descriptor_lines:
        _check_descriptor(line)
    if lines == [text]:
        return Payload(PayloadKind.DESCRIPTOR, text, Format.SINGLE, "descriptor")
    return Payload(PayloadKind.WALLET_FILE, text, Format.SINGLE, "descriptors")


def _check_descriptor(line: str) -> None:
    body, hashes, given = line.partition("#")
    if not body.endswith(")") or "#" in given or (hashes and len(given) != 8):
        raise InvalidWallet("damaged descriptor: it must end in ')' and an optional #checksum")
    if hashes:
        try:
            expected = descriptor_checksum(body)
        except EmbitError:
            raise InvalidWallet("descriptor contains characters descriptors cannot") from None
        if given != expected:
            raise InvalidWallet("descriptor checksum does not match: damaged or edited")


def _xpub(text: str) -> Payload | None:
    match = _XPUB.fullmatch(text)
    if match is None:
        return None
    try:
        raw = base58.decode_check(match["key"])
    except (ValueError, EmbitError):
        raise InvalidKey("extended public key checksum does not match: damaged?") from None
    network = public_key_network(raw[:4]) if len(raw) == 78 else None
    if network is None:
        raise InvalidKey("not a known extended public key (xpub/ypub/zpub/Ypub/Zpub/tpub...)")
    meta = {"network": network, "version": match["key"][:4]}  # xpub, Zpub, vpub, ...
    if match["fingerprint"]:
        meta["fingerprint"] = match["fingerprint"].lower()
        meta["path"] = "m" + match["path"]
    return Payload(PayloadKind.XPUB, text, Format.SINGLE, "xpub", meta)


def _wallet_json(text: str) -> Payload | None:
    if not text.startswith("{"):
        return None
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):  # deep nesting is no wallet file either
        return None
    if is_wallet_json(document):
        return Payload(PayloadKind.WALLET_FILE, text, Format.SINGLE, "json")
    return None


def _wallet_text(text: str) -> Payload | None:
    """Coldcard's multisig setup file (Name:/Policy:/Format:/Derivation: lines), BSMS, or a
    BIP-388 wallet policy as text (a template line with @0, then keys)."""
    if text.startswith("BSMS 1.0"):
        return Payload(PayloadKind.WALLET_FILE, text, Format.SINGLE, "bsms")
    if is_policy_text(text):
        return Payload(PayloadKind.WALLET_FILE, text, Format.SINGLE, "bip388")
    labels = {line.split(":", 1)[0].strip().lower() for line in text.splitlines() if ":" in line}
    if "policy" in labels and ("format" in labels or "derivation" in labels):
        return Payload(PayloadKind.WALLET_FILE, text, Format.SINGLE, "coldcard")
    return None


def _mnemonic(text: str) -> Payload | None:
    typed = text.split()
    if len(typed) not in VALID_LENGTHS or not all(word.isalpha() for word in typed):
        return None
    words = [resolve(word) for word in typed]  # whole words, or Coldcard's 4-letter prefixes
    unknown = [position for position, word in enumerate(words) if word is None]
    if len(unknown) > 2:
        return None  # ordinary text, not a seed with a typo
    if unknown:
        raise InvalidMnemonic(f"word {unknown[0] + 1} is not a BIP-39 English word", unknown[0])
    mnemonic = " ".join(word for word in words if word is not None)
    if not bip39.mnemonic_is_valid(mnemonic):
        raise InvalidMnemonic("the BIP-39 checksum does not match", len(words) - 1)
    return Payload(PayloadKind.MNEMONIC, mnemonic, Format.SINGLE, "words")


def _base43_psbt_or_transaction(text: str) -> Payload | None:
    if not base43.is_base43(text):
        return None
    return _psbt_or_transaction(base43.decode(text), "base43")


_TEXT_RULES = (
    _base64_psbt,
    _standard_seedqr,
    _hex_psbt_or_transaction,
    _bitcoin_uri,
    _descriptors,
    _xpub,
    _bare_address,
    _wallet_json,
    _wallet_text,
    _mnemonic,
    _base43_psbt_or_transaction,
)
