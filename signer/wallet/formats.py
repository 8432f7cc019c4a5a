"""Wallet files as coordinators export them, turned into a Wallet.

Accepted: descriptor text (one multipath line, or receive and change lines, `#` comments as
in Sparrow's export), JSON (Specter's {"label", "blockheight", "descriptor"}, Bitcoin Core's
listdescriptors, any object with "descriptor"/"desc"/"receive"/"change" fields, Electrum's
multisig wallet file, a BIP-388 wallet policy), a BIP-388 policy as text (template line, then
one key per line), BSMS 1.0 (Nunchuk, Keeper) and the Coldcard multisig setup file.
"""

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

from embit.bip32 import HDKey

from signer.errors import InvalidWallet, UsageError
from signer.network import Network
from signer.scripts import ScriptType, parse_path
from signer.wallet import policy388
from signer.wallet.descriptor import check_origin, wallet_from_descriptors
from signer.wallet.extkeys import network_for, parse_extended_key_text
from signer.wallet.model import CosignerKey, Wallet

MAX_NAME_LENGTH = 32
_PLACEHOLDER = "imported"  # replaced by load_wallet once the real name is known
_NAME_FIELDS = ("label", "name", "wallet_name", "walletName")
# Fields that hold descriptor text in the JSON files coordinators export.
_DESCRIPTOR_FIELDS = frozenset(
    {
        "descriptor",
        "desc",
        "receive",
        "change",
        "receive_descriptor",
        "change_descriptor",
        "output_descriptor",
        "outputDescriptor",
    }
)
# Any of these makes a JSON object a wallet or cosigner file: the descriptor fields, Bitcoin
# Core's listdescriptors ("descriptors"), Electrum ("wallet_type"), Sparrow ("keystores") and
# Coldcard's cosigner export ("xfp", "p2wsh", ...).
_WALLET_JSON_FIELDS = _DESCRIPTOR_FIELDS | policy388.JSON_FIELDS | {
    "descriptors",
    "keystores",
    "wallet_type",
    "xfp",
    "p2wsh",
    "p2sh_p2wsh",
}
_COLDCARD_FIELD = re.compile(r"^\s*(name|policy|derivation|format)\s*:\s*(.*?)\s*$", re.I)
_COLDCARD_KEY = re.compile(r"^\s*([0-9a-fA-F]{8})\s*:\s*(\w+)\s*$")
_COLDCARD_FORMATS = {
    "P2SH": ScriptType.P2SH,
    "P2WSH": ScriptType.P2WSH,
    "P2SH-P2WSH": ScriptType.P2SH_P2WSH,
    "P2WSH-P2SH": ScriptType.P2SH_P2WSH,
}
# Electrum marks the script type of a multisig wallet by its keys' SLIP-132 prefix.
_SLIP132_MULTISIG = {
    "Zpub": ScriptType.P2WSH,
    "Vpub": ScriptType.P2WSH,
    "Ypub": ScriptType.P2SH_P2WSH,
    "Upub": ScriptType.P2SH_P2WSH,
    "xpub": ScriptType.P2SH,
    "tpub": ScriptType.P2SH,
}


def load_wallet(
    data: bytes | str, name: str | None = None, network_hint: Network = Network.MAIN
) -> Wallet:
    """Parse any accepted wallet file. name overrides the name the file gives, if any."""
    text = _as_text(data).strip()
    if not text:
        raise InvalidWallet("the wallet file is empty")
    if text.startswith("{"):
        wallet, file_name = _from_json(text, network_hint)
    elif policy388.is_policy_text(text):
        policy = policy388.parse_policy_text(text)
        wallet, file_name = _from_descriptor_lines(policy.descriptor(), network_hint), None
    elif text.startswith("BSMS"):
        wallet, file_name = _from_bsms(text, network_hint), None
    elif any(
        _COLDCARD_FIELD.match(line) or _COLDCARD_KEY.match(line) for line in text.splitlines()
    ):
        wallet, file_name = _from_coldcard(text, network_hint)
    else:
        wallet, file_name = _from_descriptor_lines(text, network_hint), None
    chosen = name if name is not None else (file_name or default_name(wallet))
    return dataclasses.replace(wallet, name=check_name(chosen))


def is_wallet_json(document: object) -> bool:
    """Whether a parsed JSON document is a wallet (or cosigner) file by its fields."""
    return isinstance(document, dict) and not _WALLET_JSON_FIELDS.isdisjoint(document)


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidWallet("a wallet name cannot be empty")
    if len(cleaned) > MAX_NAME_LENGTH or not cleaned.isprintable():
        raise InvalidWallet(f"a wallet name is at most {MAX_NAME_LENGTH} printable characters")
    return cleaned


def default_name(wallet: Wallet) -> str:
    """A stable name for a file that gives none: policy and the descriptor checksum."""
    tag = wallet.descriptor().rsplit("#", 1)[1]
    if wallet.is_miniscript:
        return f"miniscript {tag}"
    return f"{wallet.threshold}-of-{len(wallet.keys)} {tag}"


def _as_text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidWallet("the wallet file is not text (UTF-8)") from None


# --- descriptor text (Sparrow export, Bitcoin Core, plain) ------------------------------
def _from_descriptor_lines(text: str, network_hint: Network) -> Wallet:
    lines = [line.strip() for line in text.splitlines()]
    descriptors = [line for line in lines if line and not line.startswith("#")]
    multipath = [line for line in descriptors if "<" in line]
    # Sparrow writes the multipath descriptor and then the same wallet as /0/* and /1/*;
    # both forms must describe the same wallet, and the multipath one is kept.
    if multipath and len(descriptors) > len(multipath):
        single_path = wallet_from_descriptors(
            [line for line in descriptors if "<" not in line], _PLACEHOLDER, network_hint
        )
        combined = wallet_from_descriptors(multipath, _PLACEHOLDER, network_hint)
        if single_path.descriptor() != combined.descriptor():
            raise InvalidWallet("the file's descriptors describe different wallets")
        return combined
    return wallet_from_descriptors(descriptors, _PLACEHOLDER, network_hint)


# --- JSON -------------------------------------------------------------------------------
def _from_json(text: str, network_hint: Network) -> tuple[Wallet, str | None]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidWallet(f"the wallet file is not valid JSON (line {exc.lineno})") from None
    except RecursionError:  # json recurses per nesting level: a hostile file can exhaust it
        raise InvalidWallet("the wallet file's JSON is nested too deeply") from None
    if not isinstance(document, dict):
        raise InvalidWallet("the wallet JSON must be an object")
    name = next(
        (
            document[field]
            for field in _NAME_FIELDS
            if isinstance(document.get(field), str) and document[field].strip()
        ),
        None,
    )
    if not policy388.JSON_FIELDS.isdisjoint(document):
        policy = policy388.parse_policy_json(document)
        return _from_descriptor_lines(policy.descriptor(), network_hint), policy.name or name
    if "wallet_type" in document and re.fullmatch(r"\d+of\d+", str(document["wallet_type"])):
        return _from_electrum(document, network_hint), name
    descriptors = list(dict.fromkeys(_descriptor_strings(document)))
    if not descriptors:
        raise InvalidWallet("the JSON holds no descriptor")
    return _from_descriptor_lines("\n".join(descriptors), network_hint), name


def _descriptor_strings(node: Any) -> Iterator[str]:
    """Descriptor texts anywhere in the document, under the usual field names."""
    if isinstance(node, dict):
        for field, value in node.items():
            if field in _DESCRIPTOR_FIELDS and isinstance(value, str) and "(" in value:
                yield value.strip()
            else:
                yield from _descriptor_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _descriptor_strings(item)


def _from_electrum(document: dict, network_hint: Network) -> Wallet:
    threshold_text, count_text = str(document["wallet_type"]).split("of")
    keystores = [
        document[field]
        for field in sorted(document, key=_electrum_order)
        if re.fullmatch(r"x\d+/", field)
    ]
    if len(keystores) != int(count_text):
        raise InvalidWallet(
            f"the Electrum file says {count_text} cosigners but holds {len(keystores)} keys"
        )
    keys = []
    spellings = set()
    networks = set()
    for position, keystore in enumerate(keystores, 1):
        if not isinstance(keystore, dict) or not keystore.get("xpub"):
            raise InvalidWallet(f"Electrum keystore {position} has no xpub")
        extended = parse_extended_key_text(keystore["xpub"], position)
        fingerprint, path = keystore.get("root_fingerprint"), keystore.get("derivation")
        if not fingerprint and not path:
            # A key typed into Electrum's cosigner dialog: Electrum records no origin (nor
            # does it write one into its PSBTs), so the key stands for itself.
            keys.append(CosignerKey(extended.key.my_fingerprint, (), extended.key))
        elif not fingerprint or not path:
            raise InvalidWallet(
                f"Electrum keystore {position} has a root_fingerprint or a derivation but "
                "not both: export from Electrum 4 or later"
            )
        else:
            keys.append(_cosigner(fingerprint, path, extended.key, position))
        spellings.add(extended.spelling)
        networks.add(extended.network)
    if len(spellings) != 1 or next(iter(spellings)) not in _SLIP132_MULTISIG:
        raise InvalidWallet("the Electrum keys do not agree on one multisig script type")
    script_type = _SLIP132_MULTISIG[spellings.pop()]
    network = network_for(networks, network_hint)
    return Wallet(_PLACEHOLDER, script_type, int(threshold_text), tuple(keys), True, network)


def _electrum_order(field: str) -> int:
    digits = re.sub(r"\D", "", field)
    return int(digits) if digits else 0


# --- BSMS 1.0 (BIP-129 descriptor record) -----------------------------------------------
def _from_bsms(text: str, network_hint: Network) -> Wallet:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines[0] != "BSMS 1.0" or len(lines) < 2:
        raise InvalidWallet("only BSMS 1.0 wallet records are supported")
    descriptor = lines[1]
    if len(lines) > 2 and lines[2] not in ("/0/*,/1/*", "No path restrictions"):
        raise InvalidWallet("BSMS path restrictions other than /0/*,/1/* are not supported")
    wallet = wallet_from_descriptors([descriptor], _PLACEHOLDER, network_hint)
    if len(lines) > 3 and lines[3] != wallet.address(False, 0):
        raise InvalidWallet(
            "the BSMS file's first address does not match its descriptor: the file is damaged"
        )
    return wallet


# --- Coldcard multisig setup file -------------------------------------------------------
def _from_coldcard(text: str, network_hint: Network) -> tuple[Wallet, str | None]:
    name: str | None = None
    policy: tuple[int, int] | None = None
    derivation: str | None = None
    script_type = ScriptType.P2SH  # Coldcard's default when the file has no Format line
    keys: list[CosignerKey] = []
    networks: set[str] = set()
    for number, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        field = _COLDCARD_FIELD.match(line)
        key_line = _COLDCARD_KEY.match(line)
        if field:
            label, value = field.group(1).lower(), field.group(2)
            if label == "name":
                name = value
            elif label == "policy":
                policy = _coldcard_policy(value)
            elif label == "derivation":
                derivation = value
            else:
                script_type = _coldcard_format(value)
        elif key_line:
            if derivation is None:
                raise InvalidWallet(f"line {number}: a key before any 'Derivation:' line")
            position = len(keys) + 1
            extended = parse_extended_key_text(key_line.group(2), position)
            keys.append(_cosigner(key_line.group(1), derivation, extended.key, position))
            networks.add(extended.network)
        else:
            raise InvalidWallet(f"line {number} of the Coldcard file is not understood")
    if policy is None:
        raise InvalidWallet("the Coldcard file has no 'Policy: M of N' line")
    threshold, count = policy
    if count != len(keys):
        raise InvalidWallet(f"the policy says {count} keys but the file lists {len(keys)}")
    network = network_for(networks, network_hint)
    return Wallet(_PLACEHOLDER, script_type, threshold, tuple(keys), True, network), name


def _coldcard_policy(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)\s*(?:of|/)\s*(\d+)", value, re.I)
    if match is None:
        raise InvalidWallet(f"policy {value!r} is not 'M of N'")
    return int(match.group(1)), int(match.group(2))


def _coldcard_format(value: str) -> ScriptType:
    script_type = _COLDCARD_FORMATS.get(value.upper().replace("_", "-"))
    if script_type is None:
        raise InvalidWallet(f"format {value!r} is not P2WSH, P2SH-P2WSH or P2SH")
    return script_type


# --- shared -----------------------------------------------------------------------------
def _cosigner(fingerprint_hex: str, path_text: str, xpub: HDKey, position: int) -> CosignerKey:
    if not re.fullmatch(r"[0-9a-fA-F]{8}", fingerprint_hex):
        raise InvalidWallet(f"key {position}: the fingerprint must be 8 hex digits")
    try:
        path = parse_path(path_text)
    except UsageError as exc:
        raise InvalidWallet(f"key {position}: {exc}") from None
    fingerprint = bytes.fromhex(fingerprint_hex)
    check_origin(xpub, path, fingerprint, position)
    return CosignerKey(fingerprint, path, xpub)
