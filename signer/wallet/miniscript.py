"""Miniscript: parse, type-check, sanity-check and compile to Script (P2WSH and tapscript).

Written from the Miniscript specification (bitcoin.sipa.be/miniscript, BIP-379). A Node is
one fragment; wrappers (`a:`, `s:`, `c:`, `d:`, `v:`, `j:`, `n:`) are nodes with one child,
and the sugar (`pk`, `pkh`, `and_n`, `t:`, `l:`, `u:`) is expanded while parsing. Keys are
opaque to this module: the caller parses them (`parse_key`) and serialises them for a script
(`key_bytes`, 33 bytes in P2WSH, 32 in tapscript).

Types are the specification's: a basic type (B, V, K, W) and properties z o n d u (shape),
e f s m (malleability) and g h i j k (timelocks: relative time/height, absolute time/height,
k = no mixing of kinds that one spending path cannot satisfy together).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from signer.errors import InvalidWallet

Key = Any  # whatever parse_key returns
MAX_DEPTH = 100  # nesting a real policy never needs; bounds recursion on hostile input
MAX_P2WSH_SCRIPT = 3600  # standardness limit of a P2WSH witness script
MAX_OPS = 201  # non-push opcodes a P2WSH script may execute
MAX_MULTI_KEYS = 20
MAX_MULTI_A_KEYS = 999
LOCKTIME_THRESHOLD = 500_000_000  # nLockTime below: a block height; above: a Unix time
SEQUENCE_TYPE_FLAG = 1 << 22  # BIP-68: relative lock in units of 512 seconds
SEQUENCE_VALUE_MASK = 0xFFFF


class Context(StrEnum):
    P2WSH = "p2wsh"
    TAPSCRIPT = "tapscript"


# Opcodes used by the fragments.
OP_0, OP_1NEGATE, OP_1 = 0x00, 0x4F, 0x51
OP_IF, OP_NOTIF, OP_ELSE, OP_ENDIF, OP_VERIFY = 0x63, 0x64, 0x67, 0x68, 0x69
OP_TOALTSTACK, OP_FROMALTSTACK, OP_IFDUP, OP_DUP, OP_SWAP, OP_SIZE = (
    0x6B, 0x6C, 0x73, 0x76, 0x7C, 0x82)
OP_EQUAL, OP_EQUALVERIFY, OP_0NOTEQUAL, OP_ADD = 0x87, 0x88, 0x92, 0x93
OP_BOOLAND, OP_BOOLOR, OP_NUMEQUAL, OP_NUMEQUALVERIFY = 0x9A, 0x9B, 0x9C, 0x9D
OP_RIPEMD160, OP_SHA256, OP_HASH160, OP_HASH256 = 0xA6, 0xA8, 0xA9, 0xAA
OP_CHECKSIG, OP_CHECKSIGVERIFY, OP_CHECKMULTISIG, OP_CHECKMULTISIGVERIFY = 0xAC, 0xAD, 0xAE, 0xAF
OP_CLTV, OP_CSV, OP_CHECKSIGADD = 0xB1, 0xB2, 0xBA
_VERIFY_FORM = {OP_EQUAL: OP_EQUALVERIFY, OP_CHECKSIG: OP_CHECKSIGVERIFY,
                OP_CHECKMULTISIG: OP_CHECKMULTISIGVERIFY, OP_NUMEQUAL: OP_NUMEQUALVERIFY}
_HASHES = {"sha256": (32, OP_SHA256), "hash256": (32, OP_HASH256),
           "ripemd160": (20, OP_RIPEMD160), "hash160": (20, OP_HASH160)}
_WRAPPERS = frozenset("asc dvjn".replace(" ", ""))
_BINARY = frozenset({"and_v", "and_b", "or_b", "or_c", "or_d", "or_i"})


@dataclass(frozen=True)
class Node:
    fragment: str  # "pk_k", "older", "and_v", "thresh", a wrapper letter "a" ... "n", ...
    subs: tuple["Node", ...] = ()
    k: int = 0  # threshold, or the older/after value
    keys: tuple[Key, ...] = ()
    data: bytes = b""  # hash preimage image
    type: frozenset[str] = field(default=frozenset(), compare=False)

    def has(self, letters: str) -> bool:
        return set(letters) <= self.type

    def walk(self) -> "list[Node]":
        nodes = [self]
        for sub in self.subs:
            nodes.extend(sub.walk())
        return nodes

    @property
    def all_keys(self) -> list[Key]:
        return [key for node in self.walk() for key in node.keys]


# --- parsing --------------------------------------------------------------------------------


def parse(text: str, parse_key: Callable[[str, int], Key], context: Context) -> Node:
    """The miniscript `text` as a typed Node; InvalidWallet for a syntax or type error."""
    parser = _Parser(text.strip(), parse_key, context)
    node = parser.expression(0)
    if parser.position != len(parser.text):
        raise InvalidWallet(f"unexpected text after the miniscript at character "
                            f"{parser.position + 1}")
    return node


class _Parser:
    def __init__(self, text: str, parse_key: Callable[[str, int], Key], context: Context):
        self.text = text
        self.position = 0
        self.parse_key = parse_key
        self.context = context
        self.key_count = 0

    def expression(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise InvalidWallet(f"the miniscript is nested more than {MAX_DEPTH} levels deep")
        name = self._name()
        if self._peek(":"):
            self.position += 1
            inner = self.expression(depth + 1)
            for letter in reversed(name):
                inner = self._wrap(letter, inner)
            return inner
        if name in ("0", "1"):
            return typed(Node(name), self.context)
        self._expect("(")
        node = self._fragment(name, depth)
        self._expect(")")
        return node

    def _fragment(self, name: str, depth: int) -> Node:
        context = self.context
        if name in ("pk", "pkh", "pk_k", "pk_h"):
            key = self._key()
            inner = typed(Node("pk_h" if name in ("pkh", "pk_h") else "pk_k", keys=(key,)),
                          context)
            return typed(Node("c", (inner,)), context) if name in ("pk", "pkh") else inner
        if name in ("older", "after"):
            value = self._number()
            if not 1 <= value < 2**31:
                raise InvalidWallet(f"{name}() takes 1 to 2^31-1, not {value}")
            return typed(Node(name, k=value), context)
        if name in _HASHES:
            size = _HASHES[name][0]
            digest = self._hex(size)
            return typed(Node(name, data=digest), context)
        if name in ("multi", "multi_a", "sortedmulti", "sortedmulti_a"):
            return self._multi(name)
        if name == "thresh":
            k = self._number()
            subs = []
            while self._peek(","):
                self.position += 1
                subs.append(self.expression(depth + 1))
            if not 1 <= k <= len(subs):
                raise InvalidWallet(f"thresh({k}, …) needs 1 to {len(subs)} as its threshold")
            return typed(Node("thresh", tuple(subs), k=k), context)
        count = {"andor": 3, "and_n": 2, **{fragment: 2 for fragment in _BINARY}}.get(name)
        if count is None:
            raise InvalidWallet(f"unknown miniscript fragment {name!r}")
        subs = [self.expression(depth + 1)]
        for _ in range(count - 1):
            self._expect(",")
            subs.append(self.expression(depth + 1))
        if name == "and_n":  # and_n(X,Y) = andor(X,Y,0)
            return typed(Node("andor", (subs[0], subs[1], typed(Node("0"), context))), context)
        return typed(Node(name, tuple(subs)), context)

    def _multi(self, name: str) -> Node:
        tapscript_form = name.endswith("_a")
        if tapscript_form != (self.context is Context.TAPSCRIPT):
            where = "tapscript" if tapscript_form else "P2WSH"
            raise InvalidWallet(f"{name}() is only valid in {where}")
        k = self._number()
        keys = []
        while self._peek(","):
            self.position += 1
            keys.append(self._key())
        limit = MAX_MULTI_A_KEYS if tapscript_form else MAX_MULTI_KEYS
        if not 1 <= len(keys) <= limit or not 1 <= k <= len(keys):
            raise InvalidWallet(f"{name}({k}, …) with {len(keys)} keys: needs 1 ≤ k ≤ n ≤ {limit}")
        fragment = "multi_a" if tapscript_form else "multi"
        return typed(Node(fragment, k=k, keys=tuple(keys), data=b"s" if "sorted" in name else b""),
                     self.context)

    def _wrap(self, letter: str, inner: Node) -> Node:
        context = self.context
        if letter == "t":  # t:X = and_v(X,1)
            return typed(Node("and_v", (inner, typed(Node("1"), context))), context)
        if letter == "l":  # l:X = or_i(0,X)
            return typed(Node("or_i", (typed(Node("0"), context), inner)), context)
        if letter == "u":  # u:X = or_i(X,0)
            return typed(Node("or_i", (inner, typed(Node("0"), context))), context)
        if letter not in _WRAPPERS:
            raise InvalidWallet(f"unknown miniscript wrapper {letter!r}:")
        return typed(Node(letter, (inner,)), context)

    def _key(self) -> Key:
        start = self.position
        depth = 0
        while self.position < len(self.text):
            char = self.text[self.position]
            if char in "([<":
                depth += 1
            elif char in ")]>":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            self.position += 1
        key = self.parse_key(self.text[start:self.position], self.key_count)
        self.key_count += 1
        return key

    def _name(self) -> str:
        start = self.position
        while self.position < len(self.text) and (self.text[self.position].isalnum()
                                                  or self.text[self.position] == "_"):
            self.position += 1
        if start == self.position:
            raise InvalidWallet(f"expected a miniscript fragment at character {start + 1}")
        return self.text[start:self.position]

    def _number(self) -> int:
        token = self._name()
        if not token.isdigit() or (len(token) > 1 and token[0] == "0") or len(token) > 10:
            raise InvalidWallet(f"{token!r} is not a number")
        return int(token)

    def _hex(self, size: int) -> bytes:
        token = self._name()
        try:
            data = bytes.fromhex(token)
        except ValueError:
            data = b""
        if len(data) != size:
            raise InvalidWallet(f"a hash here is {size} bytes in hex")
        return data

    def _peek(self, char: str) -> bool:
        return self.text[self.position:self.position + 1] == char

    def _expect(self, char: str) -> None:
        if not self._peek(char):
            raise InvalidWallet(f"expected {char!r} at character {self.position + 1} "
                                "of the miniscript")
        self.position += 1


# --- types -------------------------------------------------------------------------------------


def _letters(condition: bool, letters: str) -> set[str]:
    return set(letters) if condition else set()


def _no_mix(x: frozenset[str], y: frozenset[str]) -> bool:
    """True unless one child needs a relative time lock and the other a relative height lock
    (g/h), or absolute time and height (i/j): one spending path cannot satisfy both."""
    return not (("g" in x and "h" in y) or ("h" in x and "g" in y)
                or ("i" in x and "j" in y) or ("j" in x and "i" in y))


# Fragments whose type does not depend on children or values (the specification's table).
_LEAF_TYPES = {"0": "Bzudemsk", "1": "Bzufmk", "pk_k": "Konudemsk", "pk_h": "Knudemsk",
               "multi": "Bnudemsk", "multi_a": "Budemsk"}


def _compute_type(node: Node, context: Context) -> set[str]:  # noqa: PLR0911
    """The fragment's type from its children's (the specification's table)."""
    kind = node.fragment
    s = [sub.type for sub in node.subs]
    x, y, z = (s + [frozenset()] * 3)[:3]
    timelocks = set().union(*(t & set("ghij") for t in s)) if s else set()
    if kind in _LEAF_TYPES:
        return set(_LEAF_TYPES[kind])
    if kind == "older":
        return set("Bzfmk") | ({"g"} if node.k & SEQUENCE_TYPE_FLAG else {"h"})
    if kind == "after":
        return set("Bzfmk") | ({"i"} if node.k >= LOCKTIME_THRESHOLD else {"j"})
    if kind in _HASHES:
        return set("Bonudmk")
    if kind == "a":
        return _letters("B" in x, "W") | (x & set("ghijkudfems"))
    if kind == "s":
        return _letters({"B", "o"} <= x, "W") | (x & set("ghijkudfems"))
    if kind == "c":
        return _letters("K" in x, "B") | (x & set("ghijkondfem")) | {"u", "s"}
    if kind == "d":
        return (_letters({"V", "z"} <= x, "B") | _letters("z" in x, "o")
                | _letters("f" in x, "e") | (x & set("ghijkms"))
                | _letters(context is Context.TAPSCRIPT, "u") | {"n", "d"})
    if kind == "v":
        return _letters("B" in x, "V") | (x & set("ghijkzonms")) | {"f"}
    if kind == "j":
        return (_letters({"B", "n"} <= x, "B") | _letters("f" in x, "e")
                | (x & set("ghijkoums")) | {"n", "d"})
    if kind == "n":
        return (x & set("ghijkBzondfems")) | {"u"}
    no_mix = "k" in x and "k" in y and _no_mix(x, y)
    if kind == "and_v":
        return ((y & set("KVB") if "V" in x else set()) | (x & {"n"})
                | (y & {"n"} if "z" in x else set())
                | _letters(("o" in x and "z" in y) or ("z" in x and "o" in y), "o")
                | (x & y & set("dmz")) | ((x | y) & {"s"})
                | _letters("f" in y or "s" in x, "f") | (y & {"u"}) | timelocks
                | _letters(no_mix, "k"))
    if kind == "and_b":
        return (_letters("B" in x and "W" in y, "B")
                | _letters(("o" in x and "z" in y) or ("z" in x and "o" in y), "o")
                | (x & {"n"}) | (y & {"n"} if "z" in x else set())
                | _letters({"e", "s"} <= x & y, "e") | (x & y & set("dzm"))
                | _letters("f" in x & y or {"s", "f"} <= x or {"s", "f"} <= y, "f")
                | ((x | y) & {"s"}) | {"u"} | timelocks | _letters(no_mix, "k"))
    both_k = _letters("k" in x and "k" in y, "k")
    if kind == "or_b":
        return (_letters({"B", "d"} <= x and {"W", "d"} <= y, "B")
                | _letters(("o" in x and "z" in y) or ("z" in x and "o" in y), "o")
                | _letters("m" in x & y and "e" in x & y and "s" in x | y, "m")
                | (x & y & set("zse")) | {"d", "u"} | timelocks | both_k)
    if kind == "or_d":
        return (_letters(set("Bdu") <= x and "B" in y, "B")
                | _letters("o" in x and "z" in y, "o")
                | _letters("m" in x & y and "e" in x and "s" in x | y, "m")
                | (x & y & set("zs")) | (y & set("ufde")) | timelocks | both_k)
    if kind == "or_c":
        return (_letters(set("Bdu") <= x and "V" in y, "V")
                | _letters("o" in x and "z" in y, "o")
                | _letters("m" in x & y and "e" in x and "s" in x | y, "m")
                | (x & y & set("zs")) | {"f"} | timelocks | both_k)
    if kind == "or_i":
        return ((x & y & set("VBKufs")) | _letters("z" in x & y, "o")
                | _letters(("e" in x and "f" in y) or ("f" in x and "e" in y), "e")
                | _letters("m" in x & y and "s" in x | y, "m") | ((x | y) & {"d"})
                | timelocks | both_k)
    if kind == "andor":
        ok = set("Bdu") <= x
        no_mix3 = "k" in x and "k" in y and "k" in z and _no_mix(x, y)
        return ((y & z & set("BKV") if ok else set()) | (x & y & z & {"z"})
                | _letters(("o" in x and "z" in y & z) or ("z" in x and "o" in y & z), "o")
                | (y & z & {"u"}) | (z & {"f"} if "s" in x or "f" in y else set())
                | (z & {"d"}) | (z & {"e"} if "s" in x or "f" in y else set())
                | _letters("m" in x & y & z and "e" in x and "s" in x | y | z, "m")
                | (z & {"s"} if "s" in x | y else set()) | timelocks
                | _letters(no_mix3, "k"))
    if kind == "thresh":
        return _thresh_type(node)
    raise InvalidWallet(f"unknown miniscript fragment {kind!r}")


def _thresh_type(node: Node) -> set[str]:
    n, k = len(node.subs), node.k
    args = 0
    count_s = 0
    all_e = all_m = True
    seen: set[str] = set()
    no_mix = True
    for position, sub in enumerate(node.subs):
        t = sub.type
        if not ({"W", "d", "u"} if position else {"B", "d", "u"}) <= t:
            return set()
        all_e &= "e" in t
        all_m &= "m" in t
        count_s += "s" in t
        args += 0 if "z" in t else 1 if "o" in t else 2
        if "k" not in t or (k > 1 and not _no_mix(frozenset(seen), t)):
            no_mix = False
        seen |= t & set("ghij")
    return ({"B", "d", "u"} | _letters(args == 0, "z") | _letters(args == 1, "o")
            | _letters(all_e and count_s == n, "e")
            | _letters(all_e and all_m and count_s >= n - k, "m")
            | _letters(count_s >= n - k + 1, "s") | seen | _letters(no_mix, "k"))


def typed(node: Node, context: Context) -> Node:
    """The node with its type computed; InvalidWallet if its children cannot combine."""
    result = _compute_type(node, context)
    if not result & set("BVKW"):
        raise InvalidWallet(f"{describe(node)}: its parts do not combine (miniscript type "
                            "error)")
    return Node(node.fragment, node.subs, node.k, node.keys, node.data, frozenset(result))


def describe(node: Node) -> str:
    """A short name of a fragment for error messages (no keys: they may be long)."""
    if node.fragment in _WRAPPERS:
        return f"{node.fragment}:{describe(node.subs[0])}"
    return f"{node.fragment}()" if node.fragment not in ("0", "1") else node.fragment


# --- sanity ---------------------------------------------------------------------------------


def check_sane(node: Node, key_id: Callable[[Key], object], context: Context) -> None:
    """Refuse what a signer must not register: not a complete B expression, malleable,
    satisfiable without a signature, mixed timelock kinds, repeated keys, over the limits."""
    if "B" not in node.type:
        raise InvalidWallet("the miniscript is not a complete spending condition (type B)")
    if "k" not in node.type:
        raise InvalidWallet("the policy mixes block-height and time locks in one spending "
                            "path, which no transaction can satisfy")
    if "m" not in node.type:
        raise InvalidWallet("the policy is malleable: a third party could change how a "
                            "spend is satisfied")
    if "s" not in node.type:
        raise InvalidWallet("the policy can be spent without any signature")
    ids = [key_id(key) for key in node.all_keys]
    if len(set(ids)) != len(ids):
        raise InvalidWallet("the policy uses the same key twice")
    if context is Context.P2WSH:
        dummy = compile_script(node, lambda key: b"\x02" + bytes(32), context)
        if len(dummy) > MAX_P2WSH_SCRIPT:
            raise InvalidWallet(f"the script would be {len(dummy)} bytes; P2WSH allows "
                                f"{MAX_P2WSH_SCRIPT}")
        if count_ops(node) > MAX_OPS:
            raise InvalidWallet(f"the script could execute more than {MAX_OPS} opcodes")


_OWN_OPS = {"pk_k": 0, "pk_h": 3, "older": 1, "after": 1, "0": 0, "1": 0, "a": 2, "s": 1,
             "c": 1, "d": 3, "v": 1, "j": 4, "n": 1, "and_v": 0, "and_b": 1, "or_b": 1,
             "or_c": 2, "or_d": 3, "or_i": 3, "andor": 3, "sha256": 4, "hash256": 4,
             "ripemd160": 4, "hash160": 4}


def count_ops(node: Node) -> int:
    """An upper bound of the non-push opcodes the script executes (CHECKMULTISIG counts its
    keys, as the interpreter does)."""
    if node.fragment in ("multi", "multi_a"):
        own = 1 + len(node.keys)
    elif node.fragment == "thresh":
        own = len(node.subs)
    else:
        own = _OWN_OPS[node.fragment]
    return own + sum(count_ops(sub) for sub in node.subs)


# --- script ------------------------------------------------------------------------------------


def push_number(value: int) -> bytes:
    """A minimal script number push (OP_0, OP_1..OP_16, or minimal CScriptNum bytes)."""
    if value == 0:
        return bytes([OP_0])
    if 1 <= value <= 16:
        return bytes([OP_1 + value - 1])
    body = bytearray()
    magnitude = value
    while magnitude:
        body.append(magnitude & 0xFF)
        magnitude >>= 8
    if body[-1] & 0x80:
        body.append(0)
    return push_data(bytes(body))


def push_data(data: bytes) -> bytes:
    if len(data) < 0x4C:
        return bytes([len(data)]) + data
    if len(data) <= 0xFF:
        return b"\x4c" + bytes([len(data)]) + data
    return b"\x4d" + len(data).to_bytes(2, "little") + data


def hash160(data: bytes) -> bytes:
    return hashlib.new("ripemd160", hashlib.sha256(data).digest()).digest()


def compile_script(node: Node, key_bytes: Callable[[Key], bytes], context: Context) -> bytes:
    """The script of `node` with each key serialised by key_bytes (33 or 32 bytes)."""
    return bytes(_script(node, key_bytes, context))


def _verify(script: bytearray) -> bytearray:
    if script and script[-1] in _VERIFY_FORM:
        script[-1] = _VERIFY_FORM[script[-1]]
    else:
        script.append(OP_VERIFY)
    return script


def _script(node: Node, key_bytes: Callable[[Key], bytes], context: Context) -> bytearray:
    kind = node.fragment

    def sub(index: int) -> bytearray:
        return _script(node.subs[index], key_bytes, context)

    if kind == "0":
        return bytearray([OP_0])
    if kind == "1":
        return bytearray([OP_1])
    if kind == "pk_k":
        return bytearray(push_data(key_bytes(node.keys[0])))
    if kind == "pk_h":
        return bytearray([OP_DUP, OP_HASH160, *push_data(hash160(key_bytes(node.keys[0]))),
                          OP_EQUALVERIFY])
    if kind in ("older", "after"):
        return bytearray(push_number(node.k)) + bytes([OP_CSV if kind == "older" else OP_CLTV])
    if kind in _HASHES:
        size, opcode = _HASHES[kind]
        return bytearray([OP_SIZE, *push_number(32), OP_EQUALVERIFY, opcode,
                          *push_data(node.data), OP_EQUAL])
    if kind in ("multi", "multi_a"):
        keys = [key_bytes(key) for key in node.keys]
        if node.data == b"s":
            keys.sort()
        if kind == "multi":
            body = bytearray(push_number(node.k))
            for key in keys:
                body += push_data(key)
            return body + push_number(len(keys)) + bytes([OP_CHECKMULTISIG])
        body = bytearray(push_data(keys[0])) + bytes([OP_CHECKSIG])
        for key in keys[1:]:
            body += push_data(key) + bytes([OP_CHECKSIGADD])
        return body + push_number(node.k) + bytes([OP_NUMEQUAL])
    if kind == "a":
        return bytearray([OP_TOALTSTACK]) + sub(0) + bytes([OP_FROMALTSTACK])
    if kind == "s":
        return bytearray([OP_SWAP]) + sub(0)
    if kind == "c":
        return sub(0) + bytes([OP_CHECKSIG])
    if kind == "d":
        return bytearray([OP_DUP, OP_IF]) + sub(0) + bytes([OP_ENDIF])
    if kind == "v":
        return _verify(sub(0))
    if kind == "j":
        return bytearray([OP_SIZE, OP_0NOTEQUAL, OP_IF]) + sub(0) + bytes([OP_ENDIF])
    if kind == "n":
        return sub(0) + bytes([OP_0NOTEQUAL])
    if kind == "and_v":
        return sub(0) + sub(1)
    if kind == "and_b":
        return sub(0) + sub(1) + bytes([OP_BOOLAND])
    if kind == "or_b":
        return sub(0) + sub(1) + bytes([OP_BOOLOR])
    if kind == "or_c":
        return sub(0) + bytes([OP_NOTIF]) + sub(1) + bytes([OP_ENDIF])
    if kind == "or_d":
        return sub(0) + bytes([OP_IFDUP, OP_NOTIF]) + sub(1) + bytes([OP_ENDIF])
    if kind == "or_i":
        return bytearray([OP_IF]) + sub(0) + bytes([OP_ELSE]) + sub(1) + bytes([OP_ENDIF])
    if kind == "andor":
        return (sub(0) + bytes([OP_NOTIF]) + sub(2) + bytes([OP_ELSE]) + sub(1)
                + bytes([OP_ENDIF]))
    if kind == "thresh":
        body = sub(0)
        for index in range(1, len(node.subs)):
            body += sub(index) + bytes([OP_ADD])
        return body + push_number(node.k) + bytes([OP_EQUAL])
    raise InvalidWallet(f"unknown miniscript fragment {kind!r}")
