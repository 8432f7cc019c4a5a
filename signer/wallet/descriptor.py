"""Output descriptors (BIP-380..383, 386 key path, 389 multipath) for the forms a wallet uses.

Two layers. `parse_descriptor` reads the grammar of the script types we support (wpkh,
sh(wpkh), tr(KEY), sh(multi), wsh(multi), sh(wsh(multi)), and sortedmulti) with any
BIP-380 key expression, and can compute their scripts. `wallet_from_descriptors` then
holds the result to the stricter shape of a cosigner wallet: extended public keys with an
origin, derived `/<0;1>/*` (or `/0/*` and `/1/*`), one network.

Error messages never quote a key expression: a pasted descriptor may hold a private key.
"""

import re
from dataclasses import dataclass
from enum import Enum

from embit import base58
from embit.base import EmbitError
from embit.bip32 import HDKey
from embit.descriptor.checksum import checksum
from embit.ec import PrivateKey, PublicKey

from signer.errors import InvalidWallet
from signer.network import Network
from signer.scripts import HARDENED, ScriptType
from signer.wallet import miniscript
from signer.wallet.extkeys import network_for, parse_extended_key
from signer.wallet.model import (
    MAX_COSIGNERS,
    SCRIPT_FUNCTIONS,
    CosignerKey,
    OutputScripts,
    Wallet,
    build_output,
    template_output,
)
from signer.wallet.template import (
    MAX_TREE_DEPTH,
    NUMS_KEY,
    Template,
    split_top,
    template_from_keys,
)

_CHECKSUM_CHARSET = set("qpzry9x8gf2tvdw0s3jn54khce6mua7l")
_HARDENED_MARKERS = ("'", "h", "H")
# sh() commits to at most 520 bytes of redeem script (BIP-16 push limit).
_MAX_SH_SCRIPT = 520


class Wildcard(Enum):
    NONE = "none"
    UNHARDENED = "*"
    HARDENED = "*h"


@dataclass(frozen=True)
class KeyExpression:
    """One BIP-380 key expression: [origin] key /steps [/*]."""

    fingerprint: bytes | None  # origin fingerprint, None without an origin
    origin_path: tuple[int, ...]
    key: HDKey | PublicKey | PrivateKey
    steps: tuple[tuple[int, ...], ...]  # after the key; a step of several = BIP-389 multipath
    wildcard: Wildcard
    network: str | None  # "main" / "test" for extended keys and WIF, None for hex keys

    @property
    def branches(self) -> int:
        return max((len(step) for step in self.steps), default=1)

    @property
    def is_private(self) -> bool:
        return isinstance(self.key, PrivateKey) or (
            isinstance(self.key, HDKey) and self.key.is_private
        )

    def public_key(self, branch: int = 0, index: int = 0) -> PublicKey:
        """The public key for one multipath branch and one wildcard index."""
        if not isinstance(self.key, HDKey):
            return self.key.get_public_key() if isinstance(self.key, PrivateKey) else self.key
        path = [step[branch] if len(step) > 1 else step[0] for step in self.steps]
        if self.wildcard is Wildcard.UNHARDENED:
            path.append(index)
        elif self.wildcard is Wildcard.HARDENED:
            path.append(index + HARDENED)
        try:
            return self.key.derive(path).get_public_key()
        except EmbitError:
            raise InvalidWallet("a public key cannot derive a hardened child") from None


@dataclass(frozen=True)
class ParsedDescriptor:
    script_type: ScriptType
    threshold: int
    sorted_keys: bool
    keys: tuple[KeyExpression, ...]
    template: Template | None = None  # wsh(MINISCRIPT): keys[i] stands at @i

    @property
    def branches(self) -> int:
        return max(key.branches for key in self.keys)

    def output(self, branch: int = 0, index: int = 0) -> OutputScripts:
        pubkeys = [key.public_key(branch, index) for key in self.keys]
        if self.template is not None:
            unspendable = frozenset(i for i, key in enumerate(self.keys)
                                    if isinstance(key.key, HDKey)
                                    and key.key.key.xonly() == NUMS_KEY)
            return template_output(self.template, pubkeys, unspendable)
        if self.sorted_keys:
            pubkeys.sort(key=lambda pub: pub.sec())
        return build_output(self.script_type, self.threshold, pubkeys)


# --- checksum (BIP-380) ----------------------------------------------------------------
def strip_checksum(text: str) -> str:
    """The descriptor without its `#checksum`, after checking the checksum if there is one."""
    body, marker, given = text.strip().partition("#")
    try:
        expected = checksum(body)
    except EmbitError:
        raise InvalidWallet("the descriptor contains a character descriptors do not use") from None
    if not marker:
        return body
    if len(given) != 8 or not set(given) <= _CHECKSUM_CHARSET:
        raise InvalidWallet("the descriptor checksum after '#' must be 8 checksum characters")
    if given != expected:
        raise InvalidWallet(
            f"descriptor checksum mismatch (#{given}, the text gives #{expected}): "
            "it was altered or mistyped"
        )
    return body


# --- grammar ---------------------------------------------------------------------------
# The forms a wallet file may have, nested ones first so sh(wsh( is not read as sh(. pkh() is
# left out: a BIP-44 account is our own single-sig, reviewed and signed without a wallet file.
_WRAPPERS: tuple[tuple[str, ScriptType], ...] = tuple(
    ("".join(f"{name}(" for name in functions), script_type)
    for script_type, functions in sorted(SCRIPT_FUNCTIONS.items(), key=lambda item: -len(item[1]))
    if script_type is not ScriptType.P2PKH
)


def parse_descriptor(text: str) -> ParsedDescriptor:
    """Parse one descriptor of a supported form; raises InvalidWallet with the reason."""
    script_type, inner = _unwrap(strip_checksum(text))
    if script_type is ScriptType.P2WSH and not re.match(r"(sorted)?multi\(", inner):
        parsed = _parse_miniscript(inner)
    elif script_type.is_multisig:
        parsed = _parse_multisig(inner, script_type)
    elif script_type is ScriptType.P2TR and "," in inner:
        parsed = _parse_taproot_tree(inner)
    else:
        key = _parse_key(inner, 1, xonly=script_type is ScriptType.P2TR)
        parsed = ParsedDescriptor(script_type, 1, False, (key,))
    _check_multipath(parsed)
    return parsed


def _unwrap(body: str) -> tuple[ScriptType, str]:
    for prefix, script_type in _WRAPPERS:
        closing = ")" * prefix.count("(")
        if body.startswith(prefix) and body.endswith(closing):
            return script_type, body[len(prefix) : len(body) - len(closing)]
    raise InvalidWallet(
        "unsupported descriptor: airsign takes wsh(), sh(wsh()) or sh() around "
        "multi()/sortedmulti(), wsh(MINISCRIPT), or wpkh(), sh(wpkh()), tr(KEY)"
    )


def _parse_multisig(inner: str, script_type: ScriptType) -> ParsedDescriptor:
    match = re.fullmatch(r"(sortedmulti|multi)\((\w*),(.*)\)", inner, re.DOTALL)
    if match is None:
        raise InvalidWallet(f"{script_type} needs multi(k,KEY,...) or sortedmulti(k,KEY,...)")
    function, threshold_text, keys_text = match.groups()
    if not threshold_text.isdigit():
        raise InvalidWallet(f"the threshold of {function}() must be a number")
    threshold = int(threshold_text)
    keys = tuple(
        _parse_key(item, position) for position, item in enumerate(keys_text.split(","), 1)
    )
    if len(keys) > MAX_COSIGNERS:
        raise InvalidWallet(
            f"{len(keys)} keys is too many: airsign takes at most {MAX_COSIGNERS} (a sh() "
            "script holds at most 15 keys, and Coldcard-family cosigners stop at 15 for wsh() too)"
        )
    if not 1 <= threshold <= len(keys):
        raise InvalidWallet(
            f"threshold {threshold} is impossible with {len(keys)} keys: use 1 to {len(keys)}"
        )
    parsed = ParsedDescriptor(script_type, threshold, function == "sortedmulti", keys)
    if script_type is ScriptType.P2SH:
        script_size = len(parsed.output().redeem_script or b"")
        if script_size > _MAX_SH_SCRIPT:
            raise InvalidWallet(f"the sh() script is {script_size} bytes, over the 520 limit")
    return parsed


class _KeyCollector:
    """Keys of a miniscript or tree as found, in order: one index per key text (a taproot
    tree may repeat a key in several leaves; wsh() may not, which its sanity check says)."""

    def __init__(self, share_repeats: bool):
        self.share_repeats = share_repeats
        self.texts: list[str] = []  # every occurrence, in order
        self.indexes: list[int] = []  # its placeholder
        self.keys: list[KeyExpression] = []
        self.index_of: dict[str, int] = {}

    def __call__(self, text: str, position: int) -> int:
        cleaned = text.strip()
        if self.share_repeats and cleaned in self.index_of:
            index = self.index_of[cleaned]
        else:
            index = len(self.keys)
            self.keys.append(_parse_key(cleaned, index + 1, xonly=self.share_repeats))
            self.index_of.setdefault(cleaned, index)
        self.texts.append(text)
        self.indexes.append(index)
        return index

    def identities(self) -> list[object]:
        return [(key.key.to_base58() if isinstance(key.key, HDKey) else repr(key.key),
                 key.steps, key.fingerprint, key.origin_path) for key in self.keys]


def _parse_miniscript(inner: str) -> ParsedDescriptor:
    """wsh(MINISCRIPT): its keys, and the template with @i in their place."""
    keys = _KeyCollector(share_repeats=False)
    try:
        miniscript.parse(inner, keys, miniscript.Context.P2WSH)  # syntax and types
    except InvalidWallet as exc:
        raise InvalidWallet(f"wsh() holds neither multi()/sortedmulti() nor valid miniscript: "
                            f"{exc}") from None
    template = Template(template_from_keys("wsh", inner, keys.texts, keys.indexes))
    template.check(keys.identities())
    return ParsedDescriptor(ScriptType.P2WSH, 0, False, tuple(keys.keys), template)


def _parse_taproot_tree(inner: str) -> ParsedDescriptor:
    """tr(KEY,TREE): the internal key (or H), each leaf's tapscript miniscript, the template."""
    keys = _KeyCollector(share_repeats=True)
    internal_text, tree_text = split_top(inner)
    assert tree_text is not None
    body = inner
    if internal_text.strip().lower() != NUMS_KEY.hex():
        keys(internal_text, 0)
    try:
        _walk_tree(tree_text, keys, 0)
    except InvalidWallet as exc:
        raise InvalidWallet(f"tr(): the script tree is not valid: {exc}") from None
    template = Template(template_from_keys("tr", body, keys.texts, keys.indexes))
    template.check(keys.identities())
    return ParsedDescriptor(ScriptType.P2TR, 0, False, tuple(keys.keys), template)


def _walk_tree(text: str, keys: _KeyCollector, depth: int) -> None:
    """Parse every leaf (collecting keys in order), as Template reads the tree."""
    text = text.strip()
    if depth > MAX_TREE_DEPTH:
        raise InvalidWallet(f"the script tree is deeper than {MAX_TREE_DEPTH} levels")
    if text.startswith("{") and text.endswith("}"):
        left, right = split_top(text[1:-1])
        if right is None:
            raise InvalidWallet("a script tree branch has two sides: {LEFT,RIGHT}")
        _walk_tree(left, keys, depth + 1)
        _walk_tree(right, keys, depth + 1)
        return
    miniscript.parse(text, keys, miniscript.Context.TAPSCRIPT)


def _check_multipath(parsed: ParsedDescriptor) -> None:
    lengths = {key.branches for key in parsed.keys if key.branches > 1}
    if len(lengths) > 1:
        raise InvalidWallet("the keys' <a;b> multipath lists have different lengths")


_KEY_RE = re.compile(r"(?:\[([^\]]*)\])?([^/\[\]]+)((?:/[^/]*)*)", re.DOTALL)


def _parse_key(text: str, position: int, xonly: bool = False) -> KeyExpression:
    match = _KEY_RE.fullmatch(text.strip())
    if match is None or not match.group(2):
        raise InvalidWallet(f"key {position} is not a key expression")
    origin_text, key_text, steps_text = match.groups()
    fingerprint, origin_path = (
        (None, ()) if origin_text is None else _parse_origin(origin_text, position)
    )
    key, network = _parse_key_material(key_text, position, xonly)
    steps: list[tuple[int, ...]] = []
    wildcard = Wildcard.NONE
    items = steps_text.split("/")[1:] if steps_text else []
    if items and not isinstance(key, HDKey):
        raise InvalidWallet(f"key {position}: only an extended key can have a derivation path")
    if items[-1:] == ["**"]:  # BIP-129 (BSMS) shorthand for /<0;1>/*
        items = [*items[:-1], "<0;1>", "*"]
    for number, item in enumerate(items, 1):
        if item in ("*", *(f"*{marker}" for marker in _HARDENED_MARKERS)):
            if number != len(items):
                raise InvalidWallet(f"key {position}: the wildcard * must come last")
            wildcard = Wildcard.UNHARDENED if item == "*" else Wildcard.HARDENED
        elif item.startswith("<") and item.endswith(">"):
            alternatives = item[1:-1].split(";")
            if len(alternatives) < 2:
                raise InvalidWallet(f"key {position}: a <a;b> multipath needs two or more steps")
            if any(len(step) > 1 for step in steps):
                raise InvalidWallet(f"key {position} has more than one <a;b> multipath step")
            indexes = tuple(_parse_index(alt, position) for alt in alternatives)
            if len(set(indexes)) != len(indexes):
                raise InvalidWallet(f"key {position}: a <a;b> multipath repeats a step")
            steps.append(indexes)
        else:
            steps.append((_parse_index(item, position),))
    return KeyExpression(fingerprint, origin_path, key, tuple(steps), wildcard, network)


def _parse_origin(text: str, position: int) -> tuple[bytes, tuple[int, ...]]:
    fingerprint_hex, *path_items = text.split("/")
    if not re.fullmatch(r"[0-9a-fA-F]{8}", fingerprint_hex):
        raise InvalidWallet(f"key {position}: the origin must start with an 8-digit fingerprint")
    path = tuple(_parse_index(item, position) for item in path_items)
    return bytes.fromhex(fingerprint_hex), path


def _parse_index(text: str, position: int) -> int:
    hardened = text[-1:] in _HARDENED_MARKERS
    digits = text[:-1] if hardened else text
    if not digits.isdigit() or int(digits) >= HARDENED:
        raise InvalidWallet(f"key {position}: a derivation step is not an index below 2^31")
    return int(digits) + (HARDENED if hardened else 0)


def _parse_key_material(
    text: str, position: int, xonly: bool
) -> tuple[HDKey | PublicKey | PrivateKey, str | None]:
    if xonly and re.fullmatch(r"[0-9a-fA-F]{64}", text):  # BIP-386: x-only keys in tr()
        try:
            return PublicKey.from_xonly(bytes.fromhex(text)), None
        except EmbitError:
            raise InvalidWallet(f"key {position} is not a point on the curve") from None
    if re.fullmatch(r"[0-9a-fA-F]+", text):
        if len(text) != 66 or text[:2] not in ("02", "03"):
            raise InvalidWallet(
                f"key {position}: only compressed public keys (66 hex digits) are supported"
            )
        try:
            return PublicKey.parse(bytes.fromhex(text)), None
        except EmbitError:
            raise InvalidWallet(f"key {position} is not a point on the curve") from None
    try:
        raw = base58.decode_check(text)
    except (EmbitError, ValueError):
        raise InvalidWallet(f"key {position} is not a valid key (bad base58 or checksum)") from None
    if len(raw) == 78:
        extended = parse_extended_key(raw, position)
        return extended.key, extended.network
    if len(raw) in (33, 34):
        try:
            private = PrivateKey.from_wif(text)
        except EmbitError:
            raise InvalidWallet(f"key {position} is not a valid WIF private key") from None
        if not private.compressed:
            raise InvalidWallet(f"key {position}: uncompressed keys are not supported")
        return private, "main" if raw[0] == 0x80 else "test"
    raise InvalidWallet(f"key {position} is not a valid key")


# --- wallets ---------------------------------------------------------------------------
def wallet_from_descriptors(
    texts: list[str], name: str, network_hint: Network = Network.MAIN
) -> Wallet:
    """A cosigner wallet from one multipath descriptor, or its receive and change pair.

    A lone `/0/*` descriptor (Specter's export) implies the change chain `/1/*`.
    network_hint chooses among test, signet and regtest when the keys are tpubs.
    """
    if not texts:
        raise InvalidWallet("no descriptor found")
    parsed_all = [parse_descriptor(text) for text in texts]
    first = parsed_all[0]
    if first.template is not None:
        return _miniscript_wallet(parsed_all, name, network_hint)
    covered: set[int] = set()
    for parsed in parsed_all:
        same_shape = (parsed.script_type, parsed.threshold, parsed.sorted_keys) == (
            first.script_type,
            first.threshold,
            first.sorted_keys,
        )
        if not same_shape or _wallet_keys(parsed) != _wallet_keys(first):
            raise InvalidWallet("the descriptors describe different wallets")
        chains = _chains(parsed)
        if covered & set(chains):
            raise InvalidWallet("two descriptors for the same receive/change chain")
        covered.update(chains)
    if 0 not in covered:
        raise InvalidWallet("the receive descriptor (/0/*) is missing")
    network = network_for(
        {key.network for parsed in parsed_all for key in parsed.keys}, network_hint
    )
    return Wallet(
        name, first.script_type, first.threshold, _wallet_keys(first), first.sorted_keys, network
    )


def _miniscript_wallet(parsed_all: list[ParsedDescriptor], name: str,
                       network_hint: Network) -> Wallet:
    """A miniscript or taproot-tree wallet: one descriptor whose keys each name both chains
    (`/<a;b>/*`)."""
    (parsed,) = parsed_all if len(parsed_all) == 1 else (None,)
    if parsed is None:
        raise InvalidWallet("a miniscript wallet is one multipath descriptor (KEY/<0;1>/*)")
    assert parsed.template is not None
    keys = []
    for position, key in enumerate(parsed.keys, 1):
        if len(key.steps) != 1 or len(key.steps[0]) != 2:
            raise InvalidWallet(f"key {position} must end in /<a;b>/* (receive;change)")
        keys.append(_cosigner(key, position, (key.steps[0][0], key.steps[0][1])))
    network = network_for({key.network for key in parsed.keys}, network_hint)
    return Wallet(name, parsed.script_type, 0, tuple(keys), False, network, parsed.template)


def _wallet_keys(parsed: ParsedDescriptor) -> tuple[CosignerKey, ...]:
    """The cosigner keys, each an xpub (see _cosigner) ending in /chain/*."""
    keys = []
    for position, key in enumerate(parsed.keys, 1):
        if key.wildcard is not Wildcard.UNHARDENED or len(key.steps) != 1:
            raise InvalidWallet(f"key {position} must end in /<0;1>/* (or /0/* and /1/*)")
        keys.append(_cosigner(key, position, (0, 1)))
    return tuple(keys)


def _cosigner(key: KeyExpression, position: int, chains: tuple[int, int]) -> CosignerKey:
    """A wallet key: an xpub whose origin (if given) fits it, derived /chain/*. A key without
    an origin keeps its own fingerprint and an empty path (CosignerKey.has_origin)."""
    if key.is_private:
        raise InvalidWallet(
            f"key {position} is a private key: import a watch-only (xpub) descriptor"
        )
    if not isinstance(key.key, HDKey):
        raise InvalidWallet(f"key {position} is a plain public key: a wallet needs xpubs")
    if key.wildcard is not Wildcard.UNHARDENED:
        raise InvalidWallet(f"key {position} must end in an unhardened wildcard /*")
    fingerprint = key.key.my_fingerprint if key.fingerprint is None else key.fingerprint
    check_origin(key.key, key.origin_path, fingerprint, position)
    return CosignerKey(fingerprint, key.origin_path, key.key, chains)


def _chains(parsed: ParsedDescriptor) -> tuple[int, ...]:
    """Which chains (0 receive, 1 change) the text covers: the same for every key."""
    steps = {key.steps[0] for key in parsed.keys}
    if len(steps) != 1:
        raise InvalidWallet("the keys use different receive/change chains")
    (chains,) = steps
    if not set(chains) <= {0, 1}:
        raise InvalidWallet("the chains must be 0 (receive) and 1 (change)")
    if len(chains) > 1 and chains != (0, 1):
        # <1;0> would make the change chain the first (receive) branch.
        raise InvalidWallet("the multipath step must be <0;1>: receive first, then change")
    return chains


def check_origin(
    xpub: HDKey, origin_path: tuple[int, ...], fingerprint: bytes, position: int
) -> None:
    if not origin_path and fingerprint == xpub.my_fingerprint:
        return  # no origin known: the key stands for itself (CosignerKey.has_origin)
    if xpub.depth != len(origin_path):
        raise InvalidWallet(
            f"key {position}: its origin path has {len(origin_path)} steps but the xpub "
            f"is at depth {xpub.depth}"
        )
    if origin_path and xpub.child_number != origin_path[-1]:
        raise InvalidWallet(f"key {position}: the xpub is not the child its origin path names")
    if not origin_path and xpub.my_fingerprint != fingerprint:
        raise InvalidWallet(f"key {position}: a master xpub with another key's fingerprint")
