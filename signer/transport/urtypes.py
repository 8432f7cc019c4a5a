"""The UR types coordinators exchange with a cosigner, to and from our own types.

- PSBT: `crypto-psbt` (legacy name most coordinators read) or `psbt` (v2), a CBOR byte string.
- Output descriptors: `crypto-output` (BCR-2020-010, tags 308/400-410 around 303/306 keys)
  or `output-descriptor` (BCR-2023-010: text with @n placeholders plus tagged keys).
- Cosigner key export: `crypto-account` (BCR-2020-015): master fingerprint plus one output
  per script type; written without #6.308 and cosigner() (the first revision's form),
  read with or without them.
- Raw bytes: `bytes`.
Keys are written with key data, chain code, origin (components, source fingerprint, depth),
parent fingerprint, and use-info on test networks. Private keys are never written or read.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from embit.base import EmbitError
from embit.bip32 import HDKey
from embit.ec import PublicKey
from embit.networks import NETWORKS

from signer.errors import InvalidPSBT, InvalidWallet, TransportError
from signer.network import Network
from signer.psbt import MAGIC as PSBT_MAGIC
from signer.scripts import HARDENED, ScriptType
from signer.transport import cbor
from signer.transport.cbor import CborValue, Tagged
from signer.transport.ur import UR
from signer.wallet.descriptor import KeyExpression, Wildcard, parse_descriptor
from signer.wallet.extkeys import parse_extended_key_text
from signer.wallet.model import SCRIPT_FUNCTIONS, wrap_descriptor

# Legacy (crypto-*) and v2 CBOR tags of the same structures.
_HDKEY = (303, 40303)
_KEYPATH = (304, 40304)
_COININFO = (305, 40305)
_ECKEY = (306, 40306)
_OUTPUT = (308, 40308)
_SCRIPT_NAMES = {400: "sh", 401: "wsh", 402: "pk", 403: "pkh", 404: "wpkh", 405: "combo",
                 406: "multi", 407: "sortedmulti", 408: "raw", 409: "tr", 410: "cosigner"}
_SCRIPT_TAGS = {name: tag for tag, name in _SCRIPT_NAMES.items()}
# The legacy and v2 UR type names of a PSBT and of an output descriptor.
PSBT_TYPES = ("crypto-psbt", "psbt")
OUTPUT_TYPES = ("crypto-output", "output-descriptor")


# --- bytes and PSBT ----------------------------------------------------------------------
def bytes_ur(data: bytes) -> UR:
    return UR("bytes", cbor.dumps(data))


def ur_to_bytes(ur: UR) -> bytes:
    if ur.type != "bytes":
        raise TransportError(f"expected a ur:bytes, got ur:{ur.type}")
    return _byte_string(ur)


def psbt_to_ur(psbt: bytes, legacy: bool = True) -> UR:
    return UR("crypto-psbt" if legacy else "psbt", cbor.dumps(psbt))


def ur_to_psbt(ur: UR) -> bytes:
    if ur.type not in PSBT_TYPES:
        raise TransportError(f"expected a PSBT (ur:crypto-psbt or ur:psbt), got ur:{ur.type}")
    psbt = _byte_string(ur)
    if not psbt.startswith(PSBT_MAGIC):
        raise InvalidPSBT("the UR holds bytes that are not a PSBT (no psbt magic)")
    return psbt


def _byte_string(ur: UR) -> bytes:
    value = cbor.loads(ur.cbor)
    if not isinstance(value, bytes):
        raise TransportError(f"ur:{ur.type} must hold a CBOR byte string")
    return value


# --- reading keys ------------------------------------------------------------------------
def _untag(value: CborValue, tags: tuple[int, ...], what: str) -> CborValue:
    if not (isinstance(value, Tagged) and value.tag in tags):
        raise TransportError(f"UR: expected {what} (CBOR tag {' or '.join(map(str, tags))})")
    return value.value


def _as_map(value: CborValue, what: str) -> dict:
    if not isinstance(value, dict):
        raise TransportError(f"UR: {what} must be a CBOR map")
    return value


def _uint(value: CborValue, what: str, limit: int = 0xFFFFFFFF) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise TransportError(f"UR: {what} must be a number from 0 to {limit}")
    return value


def _step_text(index: CborValue, hardened: CborValue) -> str:
    if not isinstance(hardened, bool):
        raise TransportError("UR: a key path step lacks its hardened flag")
    mark = "'" if hardened else ""
    if index == []:
        return "*" + mark
    if isinstance(index, list):
        raise TransportError("UR: key path ranges are not supported")
    return f"{_uint(index, 'a key path index', HARDENED - 1)}{mark}"


@dataclass(frozen=True)
class _KeyPath:
    steps: tuple[str, ...]  # descriptor notation: "48'", "0", "*", "<0;1>"
    fingerprint: bytes | None
    depth: int | None


def _read_keypath(value: CborValue) -> _KeyPath:
    fields = _as_map(_untag(value, _KEYPATH, "a key path"), "a key path")
    components = fields.get(1, [])
    if not isinstance(components, list):
        raise TransportError("UR: key path components must be an array")
    steps: list[str] = []
    position = 0
    while position < len(components):
        item = components[position]
        if isinstance(item, list) and len(item) == 4:  # v2 pair [a, hardened, b, hardened]
            steps.append(f"<{_step_text(item[0], item[1])};{_step_text(item[2], item[3])}>")
            position += 1
        elif position + 1 < len(components):
            steps.append(_step_text(item, components[position + 1]))
            position += 2
        else:
            raise TransportError("UR: a key path step lacks its hardened flag")
    fingerprint = fields.get(2)
    depth = fields.get(3)
    return _KeyPath(
        tuple(steps),
        None if fingerprint is None else _uint(fingerprint, "a fingerprint").to_bytes(4, "big"),
        None if depth is None else _uint(depth, "a key depth", 255),
    )


def _origin_index(step: str) -> int:
    if not step.rstrip("'").isdigit():
        raise TransportError("UR: a key origin may only hold plain indexes")
    return int(step.rstrip("'")) + (HARDENED if step.endswith("'") else 0)


@dataclass(frozen=True)
class _ReadKey:
    xpub: str
    network: Network
    fingerprint: bytes | None
    origin: tuple[int, ...]
    children: tuple[str, ...]

    def text(self) -> str:
        origin = ""
        if self.fingerprint is not None:
            steps = "".join(f"/{i - HARDENED}'" if i >= HARDENED else f"/{i}"
                            for i in self.origin)
            origin = f"[{self.fingerprint.hex()}{steps}]"
        return origin + self.xpub + "".join(f"/{step}" for step in self.children)


def _read_hdkey(value: CborValue) -> _ReadKey:
    fields = _as_map(_untag(value, _HDKEY, "an HD key"), "an HD key")
    if fields.get(2) is True:
        raise InvalidWallet("the UR carries a private key; airsign only accepts public keys")
    key_data, chain_code = fields.get(3), fields.get(4)
    if not (isinstance(key_data, bytes) and len(key_data) == 33):
        raise TransportError("UR: an HD key needs 33 bytes of key data")
    if not (isinstance(chain_code, bytes) and len(chain_code) == 32):
        raise TransportError("UR: an HD key needs a 32-byte chain code")
    network = Network.MAIN
    if 5 in fields:
        use_info = _as_map(_untag(fields[5], _COININFO, "coin info"), "coin info")
        if _uint(use_info.get(1, 0), "the coin type") != 0:
            raise TransportError("UR: the key is not for bitcoin")
        network = Network.TEST if _uint(use_info.get(2, 0), "the network") else Network.MAIN
    origin = _read_keypath(fields[6]) if 6 in fields else _KeyPath((), None, 0)
    children = _read_keypath(fields[7]).steps if 7 in fields else ()
    origin_path = tuple(_origin_index(step) for step in origin.steps)
    depth = len(origin_path) if origin.depth is None else origin.depth
    if depth == 0:
        parent = bytes(4)  # a master key has no parent, whatever the UR says
    elif 8 in fields:
        parent = _uint(fields[8], "the parent fingerprint").to_bytes(4, "big")
    elif depth == 1 and origin.fingerprint is not None:
        parent = origin.fingerprint  # the master is the parent
    else:
        parent = bytes(4)
    try:
        xpub = HDKey(PublicKey.parse(key_data), chain_code, NETWORKS[network.value]["xpub"],
                     depth, parent, origin_path[-1] if origin_path else 0).to_base58()
    except (ValueError, EmbitError):  # embit's ECError for a point not on the curve
        raise TransportError("UR: the HD key is not a valid public key") from None
    return _ReadKey(xpub, network, origin.fingerprint, origin_path, children)


def _key_text(value: CborValue) -> str:
    if isinstance(value, Tagged) and value.tag in _ECKEY:
        fields = _as_map(value.value, "an EC key")
        if fields.get(2) is True:
            raise InvalidWallet("the UR carries a private key; airsign only accepts public keys")
        data = fields.get(3)
        if not (isinstance(data, bytes) and len(data) == 33):
            raise TransportError("UR: an EC key must be a 33-byte compressed public key")
        return data.hex()
    return _read_hdkey(value).text()


def _script_text(value: CborValue) -> str:
    if not (isinstance(value, Tagged) and value.tag in _SCRIPT_NAMES):
        raise TransportError("UR: unknown or missing script expression")
    name, inner = _SCRIPT_NAMES[value.tag], value.value
    if name in ("sh", "wsh"):
        return f"{name}({_script_text(inner)})"
    if name in ("multi", "sortedmulti"):
        fields = _as_map(inner, "a multisig")
        keys = fields.get(2)
        if not isinstance(keys, list) or not keys:
            raise TransportError("UR: a multisig needs a list of keys")
        threshold = _uint(fields.get(1), "the multisig threshold", len(keys))
        return f"{name}({threshold},{','.join(_key_text(key) for key in keys)})"
    if name == "raw":
        if not isinstance(inner, bytes):
            raise TransportError("UR: raw() must hold bytes")
        return f"raw({inner.hex()})"
    return f"{name}({_key_text(inner)})"


def ur_to_descriptor(ur: UR) -> str:
    """Descriptor text (no checksum) of a crypto-output or output-descriptor UR."""
    value = cbor.loads(ur.cbor)
    if isinstance(value, Tagged) and value.tag in _OUTPUT:  # tolerate a tagged top level
        value = value.value
    if ur.type == "crypto-output":
        return _script_text(value)
    if ur.type != "output-descriptor":
        raise TransportError(f"expected a descriptor (ur:crypto-output or "
                             f"ur:output-descriptor), got ur:{ur.type}")
    fields = _as_map(value, "an output descriptor")
    source, keys = fields.get(1), fields.get(2, [])
    if not isinstance(source, str) or not isinstance(keys, list):
        raise TransportError("UR: an output descriptor needs its source text and key list")

    def substitute(match: re.Match[str]) -> str:
        index = int(match[1])
        if index >= len(keys):
            raise TransportError(f"UR: placeholder @{index} has no key")
        return _key_text(keys[index])

    return re.sub(r"@(\d+)", substitute, source)


# --- writing keys ------------------------------------------------------------------------
def _components(steps: Sequence[tuple[int, ...]], wildcard: Wildcard | None,
                legacy: bool) -> list[CborValue]:
    components: list[CborValue] = []
    for step in steps:
        if len(step) == 1 or legacy:
            # Legacy crypto-keypath has no <a;b>: write the receive chain, which is what
            # crypto-output readers expect (they derive change by convention).
            components += [step[0] % HARDENED, step[0] >= HARDENED]
        else:
            pair: list[CborValue] = []
            for index in step[:2]:
                pair += [index % HARDENED, index >= HARDENED]
            components.append(pair)
    if wildcard is not None and wildcard is not Wildcard.NONE:
        components += [[], wildcard is Wildcard.HARDENED]
    return components


def _hdkey_cbor(key: HDKey, fingerprint: bytes | None, origin: Sequence[int],
                network: Network, children: list[CborValue] | None, *, legacy: bool) -> Tagged:
    keypath_tag = _KEYPATH[0 if legacy else 1]
    fields: dict[int, CborValue] = {3: key.key.sec(), 4: key.chain_code}
    if network.is_test:
        fields[5] = Tagged(_COININFO[0 if legacy else 1], {2: 1})
    origin_fields: dict[int, CborValue] = {1: _components([(i,) for i in origin], None, True)}
    if fingerprint is not None:
        origin_fields[2] = int.from_bytes(fingerprint, "big")
    # The key's own depth: a key given without its origin still is at some depth.
    origin_fields[3] = key.depth
    fields[6] = Tagged(keypath_tag, origin_fields)
    if children:
        fields[7] = Tagged(keypath_tag, {1: children})
    if key.depth:
        fields[8] = int.from_bytes(key.fingerprint, "big")
    return Tagged(_HDKEY[0 if legacy else 1], fields)


def _expression_cbor(key: KeyExpression, legacy: bool) -> Tagged:
    if key.is_private:
        raise InvalidWallet("the descriptor holds a private key; airsign exports public keys only")
    if isinstance(key.key, PublicKey):
        return Tagged(_ECKEY[0 if legacy else 1], {3: key.key.sec()})
    network = Network.TEST if key.network == "test" else Network.MAIN
    children = _components(key.steps, key.wildcard, legacy)
    return _hdkey_cbor(key.key, key.fingerprint, key.origin_path, network, children,
                       legacy=legacy)


def _wrap(script_type: ScriptType, inner: CborValue) -> CborValue:
    for name in reversed(SCRIPT_FUNCTIONS[script_type]):
        inner = Tagged(_SCRIPT_TAGS[name], inner)
    return inner


def descriptor_to_ur(descriptor: str, legacy: bool = True) -> UR:
    """A descriptor as crypto-output (legacy) or output-descriptor (v2, keys as @n)."""
    parsed = parse_descriptor(descriptor)
    keys = [_expression_cbor(key, legacy) for key in parsed.keys]
    function = "sortedmulti" if parsed.sorted_keys else "multi"
    if legacy:
        if parsed.script_type.is_multisig:
            body: CborValue = Tagged(_SCRIPT_TAGS[function], {1: parsed.threshold, 2: keys})
        else:
            body = keys[0]
        return UR("crypto-output", cbor.dumps(_wrap(parsed.script_type, body)))
    placeholders = ",".join(f"@{i}" for i in range(len(keys)))
    inner = (f"{function}({parsed.threshold},{placeholders})"
             if parsed.script_type.is_multisig else placeholders)
    source = wrap_descriptor(parsed.script_type, inner)
    return UR("output-descriptor", cbor.dumps({1: source, 2: keys}))


# --- crypto-account ----------------------------------------------------------------------
@dataclass(frozen=True)
class AccountOutput:
    """One script type's account key: what a coordinator needs to add us as a cosigner."""

    script_type: ScriptType
    xpub: HDKey | str  # any spelling in; xpub/tpub when read back from a UR
    origin: tuple[int, ...]  # path from the master to this key, HARDENED-flagged
    network: Network = Network.MAIN


@dataclass(frozen=True)
class Account:
    master_fingerprint: bytes
    outputs: tuple[AccountOutput, ...]

    def output(self, script_type: ScriptType) -> AccountOutput | None:
        return next((out for out in self.outputs if out.script_type is script_type), None)


def account_to_ur(master_fingerprint: bytes, outputs: Sequence[AccountOutput]) -> UR:
    """crypto-account (BCR-2020-015) in its first revision's form: each entry is the script
    functions around the key (wsh(KEY), sh(wsh(KEY)), wpkh(KEY), ...), without the later
    revision's #6.308 wrapper and cosigner(). Keystone's registry (BlueWallet and others)
    throws on those two; Sparrow reads both forms, and so does ur_to_account."""
    if len(master_fingerprint) != 4:
        raise ValueError("a master fingerprint is 4 bytes")
    entries: list[CborValue] = []
    for output in outputs:
        text = output.xpub if isinstance(output.xpub, str) else output.xpub.to_base58()
        extended = parse_extended_key_text(text, output.script_type)
        key = extended.key
        if key.is_private:
            raise InvalidWallet("refusing to export a private key")
        if (extended.network == "test") != output.network.is_test:
            raise InvalidWallet(f"the {output.script_type} key is not a {output.network} key")
        if key.depth != len(output.origin):
            raise InvalidWallet(f"the {output.script_type} key is at depth {key.depth} but its "
                                f"origin path has {len(output.origin)} steps")
        body = _hdkey_cbor(key, master_fingerprint, output.origin, output.network, None,
                           legacy=True)
        entries.append(_wrap(output.script_type, body))
    return UR("crypto-account",
              cbor.dumps({1: int.from_bytes(master_fingerprint, "big"), 2: entries}))


def _account_output(value: CborValue) -> AccountOutput:
    # The 2021 revision wraps each entry in #6.308 and multisig keys in cosigner(); the first
    # revision (and Keystone, BlueWallet) has neither. The script functions alone tell the
    # type apart either way: wsh(KEY) can only be a multisig account.
    node = value.value if isinstance(value, Tagged) and value.tag == _OUTPUT[0] else value
    names: list[str] = []
    while isinstance(node, Tagged) and node.tag in _SCRIPT_NAMES:
        names.append(_SCRIPT_NAMES[node.tag])
        node = node.value
    cosigner = bool(names) and names[-1] == "cosigner"
    wrappers = tuple(names[:-1] if cosigner else names)
    script_type = next((st for st, w in SCRIPT_FUNCTIONS.items() if w == wrappers), None)
    if script_type is None or (cosigner and not script_type.is_multisig):
        raise TransportError(f"UR: unsupported account script {'('.join(names)}(...)")
    key = _read_hdkey(node)
    return AccountOutput(script_type, key.xpub, key.origin, key.network)


def ur_to_account(ur: UR) -> Account:
    if ur.type != "crypto-account":
        raise TransportError(f"expected a ur:crypto-account, got ur:{ur.type}")
    fields = _as_map(cbor.loads(ur.cbor), "an account")
    outputs = fields.get(2)
    if not isinstance(outputs, list):
        raise TransportError("UR: an account needs a list of outputs")
    fingerprint = _uint(fields.get(1), "the master fingerprint").to_bytes(4, "big")
    return Account(fingerprint, tuple(_account_output(out) for out in outputs))
