"""Script templates: a wallet's descriptor with key placeholders (`@0`, `@1`, ...).

A miniscript or taproot-tree wallet keeps the descriptor it was registered from as a
template: the text with each key expression replaced by `@i`, where i indexes the wallet's
keys (which carry their own chains, e.g. Liana's `<0;1>` and `<2;3>` for one xpub in two
spending paths). The template is what the wallet's scripts are compiled from at each
address, what its spending paths are read from, and what its descriptor text is written back
from. Two shapes:

- `wsh(MINISCRIPT)`;
- `tr(INTERNAL,TREE)`: INTERNAL is a key placeholder or BIP-341's unspendable point H (no key
  path); TREE is a tapscript miniscript leaf or `{TREE,TREE}` (BIP-386).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from embit import compact
from embit import script as embit_script
from embit.ec import PublicKey
from embit.hashes import tagged_hash

from signer.errors import InvalidWallet
from signer.wallet.miniscript import Context, Node, check_sane, compile_script, parse
from signer.wallet.policy import SignerGroup, SpendingPath, spending_paths

PLACEHOLDER = re.compile(r"@(\d+)")
# BIP-341's H: a point with no known discrete logarithm (the x of SHA256 of G uncompressed).
NUMS_KEY = bytes.fromhex("50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0")
TAPSCRIPT_LEAF_VERSION = 0xC0
MAX_TREE_DEPTH = 128  # BIP-341's control block limit


def leaf_hash(script: bytes) -> bytes:
    """BIP-341 TapLeaf hash of a tapscript (leaf version 0xc0)."""
    return tagged_hash("TapLeaf", bytes([TAPSCRIPT_LEAF_VERSION]) + compact.to_bytes(len(script))
                       + script)


@dataclass(frozen=True)
class TapLeaf:
    position: int  # the leaf's place in the template, left to right
    script: bytes
    hash: bytes
    control_block: bytes


@dataclass(frozen=True)
class TaprootSpend:
    """A taproot output at one address: its keys, tree and how each leaf is proven."""

    internal_key: bytes  # x-only
    merkle_root: bytes
    output_key: bytes  # x-only
    leaves: tuple[TapLeaf, ...]
    key_path: bool  # False when the internal key is the unspendable H


@dataclass(frozen=True)
class _Branch:
    left: "_Tree"
    right: "_Tree"


_Tree = _Branch | int  # a leaf is its position in Template.leaves


@dataclass(frozen=True)
class Template:
    text: str  # e.g. "wsh(or_d(multi(2,@0,@1,@2),and_v(v:pkh(@3),older(52560))))"

    @cached_property
    def context(self) -> Context:
        if self.text.startswith("wsh(") and self.text.endswith(")"):
            return Context.P2WSH
        if self.text.startswith("tr(") and self.text.endswith(")"):
            return Context.TAPSCRIPT
        raise InvalidWallet("a template is wsh(MINISCRIPT) or tr(KEY,TREE)")

    @property
    def is_taproot(self) -> bool:
        return self.context is Context.TAPSCRIPT

    # --- structure --------------------------------------------------------------------------
    @cached_property
    def _taproot_parts(self) -> tuple[int | None, _Tree, tuple[Node, ...]]:
        """(internal key placeholder or None for H, the tree, the leaves' miniscripts)."""
        body = self.text[3:-1]
        internal_text, tree_text = split_top(body)
        if tree_text is None:
            raise InvalidWallet("a taproot template needs a script tree: tr(KEY,TREE)")
        internal_text = internal_text.strip()
        if internal_text.lower() == NUMS_KEY.hex():
            internal = None
        else:
            internal = _placeholder(internal_text, 0)
        leaves: list[Node] = []
        tree = _parse_tree(tree_text, leaves, 0)
        return internal, tree, tuple(leaves)

    @cached_property
    def node(self) -> Node:
        """The wsh() miniscript; its keys are key indexes."""
        if self.is_taproot:
            raise InvalidWallet("a taproot template has leaves, not one miniscript")
        return parse(self.text[4:-1], _placeholder, self.context)

    @property
    def internal_key(self) -> int | None:
        return self._taproot_parts[0]

    @property
    def leaves(self) -> tuple[Node, ...]:
        return self._taproot_parts[2] if self.is_taproot else (self.node,)

    @cached_property
    def key_indexes(self) -> list[int]:
        """Every placeholder, in order of appearance (repeats across taproot leaves)."""
        found = [key for leaf in self.leaves for key in leaf.all_keys]
        if self.is_taproot and self.internal_key is not None:
            found.insert(0, self.internal_key)
        return found

    @cached_property
    def key_count(self) -> int:
        return len(set(self.key_indexes))

    def check(self, key_identity: Sequence[object]) -> None:
        """The sanity rules, with keys compared by their identity (xpub and chains)."""
        used = sorted(set(self.key_indexes))
        if used != list(range(len(key_identity))):
            raise InvalidWallet("the template's key placeholders must be @0, @1, ... each used")
        if not self.is_taproot and len(self.key_indexes) != len(used):
            raise InvalidWallet("the policy uses the same key twice")
        for leaf in self.leaves:
            check_sane(leaf, lambda index: key_identity[index], self.context)

    # --- paths ----------------------------------------------------------------------------
    @cached_property
    def leaf_paths(self) -> tuple[tuple[SpendingPath, ...], ...]:
        """Each leaf's spending paths (for wsh: the one miniscript's)."""
        return tuple(spending_paths(leaf, lambda index: index) for leaf in self.leaves)

    @cached_property
    def paths(self) -> tuple[SpendingPath, ...]:
        """Every way to spend: the key path (taproot with a real internal key), then the
        leaves' paths, without repeats."""
        found: list[SpendingPath] = []
        if self.is_taproot and self.internal_key is not None:
            found.append(SpendingPath((SignerGroup(1, (self.internal_key,)),), via="key path"))
        for paths in self.leaf_paths:
            found.extend(path for path in paths if path not in found)
        return tuple(found)

    # --- scripts --------------------------------------------------------------------------
    def witness_script(self, pubkeys: Sequence[PublicKey]) -> embit_script.Script:
        return embit_script.Script(compile_script(
            self.node, lambda index: pubkeys[index].sec(), self.context))

    def taproot(self, pubkeys: Sequence[PublicKey], unspendable: frozenset[int] = frozenset()
                ) -> TaprootSpend:
        """The output at one address: pubkeys[i] is key i derived there; `unspendable` keys
        are derived from H (an xpub whose key is H: no key path either)."""
        internal_index, tree, leaves = self._taproot_parts
        scripts = [compile_script(leaf, lambda index: pubkeys[index].xonly(), self.context)
                   for leaf in leaves]
        hashes = [leaf_hash(script) for script in scripts]
        paths: list[list[bytes]] = [[] for _ in leaves]
        root = _merkle(tree, hashes, paths)
        internal = NUMS_KEY if internal_index is None else pubkeys[internal_index].xonly()
        tweaked = PublicKey.from_xonly(internal).taproot_tweak(root)
        parity = tweaked.sec()[0] & 1
        taps = tuple(TapLeaf(position, script, hashes[position],
                             bytes([TAPSCRIPT_LEAF_VERSION | parity]) + internal
                             + b"".join(paths[position]))
                     for position, script in enumerate(scripts))
        key_path = internal_index is not None and internal_index not in unspendable
        return TaprootSpend(internal, root, tweaked.xonly(), taps, key_path)

    def fill(self, key_texts: Sequence[str]) -> str:
        """The template with every placeholder replaced by its key's text."""
        return PLACEHOLDER.sub(lambda match: key_texts[int(match.group(1))], self.text)


def _merkle(tree: _Tree, hashes: list[bytes], paths: list[list[bytes]]) -> bytes:
    """The subtree's hash; appends each leaf's sibling hashes (its control block path)."""
    if isinstance(tree, int):
        return hashes[tree]
    left = _merkle(tree.left, hashes, paths)
    right = _merkle(tree.right, hashes, paths)
    for position in _leaf_positions(tree.left):
        paths[position].append(right)
    for position in _leaf_positions(tree.right):
        paths[position].append(left)
    return tagged_hash("TapBranch", min(left, right) + max(left, right))


def _leaf_positions(tree: _Tree) -> list[int]:
    if isinstance(tree, int):
        return [tree]
    return _leaf_positions(tree.left) + _leaf_positions(tree.right)


def _parse_tree(text: str, leaves: list[Node], depth: int) -> _Tree:
    text = text.strip()
    if depth > MAX_TREE_DEPTH:
        raise InvalidWallet(f"the script tree is deeper than {MAX_TREE_DEPTH} levels")
    if text.startswith("{"):
        if not text.endswith("}"):
            raise InvalidWallet("a script tree branch is {LEFT,RIGHT}")
        left, right = split_top(text[1:-1])
        if right is None:
            raise InvalidWallet("a script tree branch has two sides: {LEFT,RIGHT}")
        return _Branch(_parse_tree(left, leaves, depth + 1), _parse_tree(right, leaves, depth + 1))
    leaves.append(parse(text, _placeholder, Context.TAPSCRIPT))
    return len(leaves) - 1


def split_top(text: str) -> tuple[str, str | None]:
    """Split at the first comma outside brackets: (first, rest), rest None without one."""
    depth = 0
    for position, char in enumerate(text):
        if char in "({[<":
            depth += 1
        elif char in ")}]>":
            depth -= 1
        elif char == "," and depth == 0:
            return text[:position], text[position + 1:]
    return text, None


def _placeholder(text: str, position: int) -> int:
    match = PLACEHOLDER.fullmatch(text.strip())
    if match is None:
        raise InvalidWallet(f"a template key must be @i, not {text.strip()[:12]!r}")
    return int(match.group(1))


def template_from_keys(wrapper: str, inner: str, key_texts: Sequence[str],
                       indexes: Sequence[int]) -> str:
    """`wrapper(inner)` with each key text (found in order) replaced by @index."""
    pieces = []
    cursor = 0
    for key_text, index in zip(key_texts, indexes, strict=True):
        at = inner.index(key_text, cursor)
        pieces.append(inner[cursor:at] + f"@{index}")
        cursor = at + len(key_text)
    return f"{wrapper}({''.join(pieces)}{inner[cursor:]})"
