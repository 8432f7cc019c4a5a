"""What a miniscript allows, in terms a person can check: its spending paths.

A miniscript is lifted to its semantic policy (who must sign, which time locks and hash
preimages), then expanded into spending paths: each path is a set of signer groups ("any 2
of A, B, C"), at most one relative and one absolute time lock, and hash locks. The paths are
what the device shows in words, and what a review checks a transaction against.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from signer.errors import InvalidWallet
from signer.wallet.miniscript import LOCKTIME_THRESHOLD, SEQUENCE_TYPE_FLAG, Node

MAX_PATHS = 64  # a policy with more spending paths is too complex to show or check by hand
BLOCKS_PER_DAY = 144
SEQUENCE_DISABLE_FLAG = 1 << 31
SEQUENCE_VALUE_MASK = 0xFFFF
FINAL_SEQUENCE = 0xFFFFFFFF


@dataclass(frozen=True)
class SignerGroup:
    """`threshold` signatures from `keys` (key indexes into the wallet's keys)."""

    threshold: int
    keys: tuple[int, ...]


@dataclass(frozen=True)
class SpendingPath:
    groups: tuple[SignerGroup, ...]
    older: int = 0  # BIP-68 relative lock (0: none), as in older()
    after: int = 0  # absolute lock (0: none), as in after()
    hashes: tuple[str, ...] = ()  # "sha256 1a2b…" preimages needed
    via: str = ""  # "key path" for a taproot key-path spend

    @property
    def keys(self) -> frozenset[int]:
        return frozenset(key for group in self.groups for key in group.keys)

    def available(self, sequence: int, locktime: int, tx_version: int) -> bool:
        """Whether a transaction input with this nSequence, in a transaction with this
        nLockTime and version, can use this path (BIP-65 and BIP-68 rules)."""
        if self.older:
            if tx_version < 2 or sequence & SEQUENCE_DISABLE_FLAG:
                return False
            if (sequence & SEQUENCE_TYPE_FLAG) != (self.older & SEQUENCE_TYPE_FLAG):
                return False
            if (sequence & SEQUENCE_VALUE_MASK) < (self.older & SEQUENCE_VALUE_MASK):
                return False
        if self.after:
            if sequence == FINAL_SEQUENCE:
                return False
            if (locktime >= LOCKTIME_THRESHOLD) != (self.after >= LOCKTIME_THRESHOLD):
                return False
            if locktime < self.after:
                return False
        return True

    def missing(self, signed: frozenset[int]) -> tuple[SignerGroup, ...]:
        """The groups that still lack signatures, given the keys that have signed."""
        return tuple(group for group in self.groups
                     if len(signed & set(group.keys)) < group.threshold)


# --- lifting and expanding --------------------------------------------------------------------


@dataclass(frozen=True)
class _Lifted:
    """A semantic policy node: KEY, OLDER, AFTER, HASH, TRUE, FALSE or THRESH."""

    kind: str
    value: Any = None  # key index, lock value, hash text, or the threshold
    subs: tuple["_Lifted", ...] = ()


_TRUE, _FALSE = _Lifted("TRUE"), _Lifted("FALSE")


def _lift(node: Node, key_index: Callable[[Any], int]) -> _Lifted:
    kind = node.fragment
    if kind in ("pk_k", "pk_h"):
        return _Lifted("KEY", key_index(node.keys[0]))
    if kind in ("multi", "multi_a"):
        return _Lifted("THRESH", node.k, tuple(_Lifted("KEY", key_index(k)) for k in node.keys))
    if kind in ("older", "after"):
        return _Lifted(kind.upper(), node.k)
    if kind in ("sha256", "hash256", "ripemd160", "hash160"):
        return _Lifted("HASH", f"{kind} {node.data.hex()[:8]}…")
    if kind == "1":
        return _TRUE
    if kind == "0":
        return _FALSE
    subs = tuple(_lift(sub, key_index) for sub in node.subs)
    if len(subs) == 1:  # wrappers do not change what is required
        return subs[0]
    if kind in ("and_v", "and_b"):
        return _Lifted("THRESH", 2, subs)
    if kind in ("or_b", "or_c", "or_d", "or_i"):
        return _Lifted("THRESH", 1, subs)
    if kind == "andor":
        return _Lifted("THRESH", 1, (_Lifted("THRESH", 2, subs[:2]), subs[2]))
    return _Lifted("THRESH", node.k, subs)  # thresh


def _paths(policy: _Lifted) -> list[SpendingPath] | None:
    """Every way to satisfy `policy`; None for a policy that cannot be satisfied."""
    kind = policy.kind
    if kind == "TRUE":
        return [SpendingPath(())]
    if kind == "FALSE":
        return None
    if kind == "KEY":
        return [SpendingPath((SignerGroup(1, (policy.value,)),))]
    if kind == "OLDER":
        return [SpendingPath((), older=policy.value)]
    if kind == "AFTER":
        return [SpendingPath((), after=policy.value)]
    if kind == "HASH":
        return [SpendingPath((), hashes=(policy.value,))]
    subs = policy.subs
    if all(sub.kind == "KEY" for sub in subs):  # a key threshold stays one group
        group = SignerGroup(policy.value, tuple(sub.value for sub in subs))
        return [SpendingPath((group,))]
    found: list[SpendingPath] = []
    for chosen in combinations(subs, policy.value):
        combined: list[SpendingPath] | None = [SpendingPath(())]
        for sub in chosen:
            options = _paths(sub)
            if options is None or combined is None:
                combined = None
                break
            combined = [_join(a, b) for a in combined for b in options]
            combined = [path for path in combined if path is not None]
            if len(combined) > MAX_PATHS:
                raise InvalidWallet(f"the policy has more than {MAX_PATHS} spending paths: "
                                    "too complex to show and check")
        if combined:
            found.extend(combined)
        if len(found) > MAX_PATHS:
            raise InvalidWallet(f"the policy has more than {MAX_PATHS} spending paths: too "
                                "complex to show and check")
    return _dedupe(found) or None


def _join(a: SpendingPath | None, b: SpendingPath) -> SpendingPath | None:
    """Both paths at once; None where their time locks are of different kinds."""
    if a is None:
        return None
    older = _combine_lock(a.older, b.older, lambda v: v & SEQUENCE_TYPE_FLAG)
    after = _combine_lock(a.after, b.after, lambda v: v >= LOCKTIME_THRESHOLD)
    if older is None or after is None:
        return None
    return SpendingPath(a.groups + b.groups, older, after, a.hashes + b.hashes)


def _combine_lock(first: int, second: int, kind: Callable[[int], object]) -> int | None:
    if not first or not second:
        return first or second
    if kind(first) != kind(second):
        return None
    return max(first, second)  # same kind: the later lock covers the earlier


def _dedupe(paths: list[SpendingPath]) -> list[SpendingPath]:
    seen: dict[tuple, SpendingPath] = {}
    for path in paths:
        identity = (tuple(sorted((g.threshold, tuple(sorted(g.keys))) for g in path.groups)),
                    path.older, path.after, tuple(sorted(path.hashes)))
        seen.setdefault(identity, path)
    return list(seen.values())


def spending_paths(node: Node, key_index: Callable[[Any], int]) -> tuple[SpendingPath, ...]:
    """The ways the miniscript can be spent, simplest first; InvalidWallet if none or if
    there are too many to check by hand."""
    paths = _paths(_lift(node, key_index))
    if paths is None:
        raise InvalidWallet("the policy can never be satisfied")
    return tuple(sorted(paths, key=lambda p: (p.older or 0, p.after or 0, len(p.groups))))


# --- words ------------------------------------------------------------------------------------


def describe_lock(path: SpendingPath) -> str:
    if path.older:
        value = path.older & SEQUENCE_VALUE_MASK
        if path.older & SEQUENCE_TYPE_FLAG:
            return (f"once a coin has not moved for {value * 512:,} seconds "
                    f"({_duration(value * 512 / 86400)})")
        return (f"once a coin has not moved for {value:,} blocks "
                f"({_duration(value / BLOCKS_PER_DAY)})")
    if path.after:
        if path.after >= LOCKTIME_THRESHOLD:
            day = datetime.datetime.fromtimestamp(path.after, datetime.UTC)
            return f"after {day:%Y-%m-%d %H:%M} UTC"
        return f"after block {path.after:,}"
    return "at any time"


def _duration(days: float) -> str:
    if days >= 365 * 0.95:
        years = days / 365
        return f"about {years:.0f} year{'s' if round(years) != 1 else ''}"
    if days >= 28:
        months = days / 30.4
        return f"about {months:.0f} month{'s' if round(months) != 1 else ''}"
    if days >= 1:
        return f"about {days:.0f} day{'s' if round(days) != 1 else ''}"
    return f"about {days * 24:.0f} hours"


def describe_group(group: SignerGroup, names: Sequence[str]) -> str:
    who = [names[index] for index in group.keys]
    if len(who) == 1:
        return f"{who[0]} alone" if group.threshold == 1 else who[0]
    if group.threshold == len(who):
        return "all of " + ", ".join(who)
    return f"any {group.threshold} of " + ", ".join(who)


def describe_missing(group: SignerGroup, signed: frozenset[int], names: Sequence[str]) -> str:
    """Who still has to sign for `group`, given the keys that have: "b8688df1", "1 more of
    b8688df1, 28645006", or as describe_group while none of the group has signed."""
    unsigned = [names[index] for index in group.keys if index not in signed]
    need = group.threshold - (len(group.keys) - len(unsigned))
    if len(unsigned) == 1:
        return unsigned[0]
    if need >= len(unsigned):
        return "all of " + ", ".join(unsigned)
    if len(unsigned) == len(group.keys):
        return f"any {need} of " + ", ".join(unsigned)
    return f"{need} more of " + ", ".join(unsigned)


def describe_path(path: SpendingPath, names: Sequence[str]) -> str:
    """e.g. "any 2 of A, B, C, at any time" or "D alone, once a coin has not moved for
    52,560 blocks (about 1 year)"."""
    parts = [describe_group(group, names) for group in path.groups]
    if len(parts) > 1:
        parts = [part.removesuffix(" alone") for part in parts]
    who = " and ".join(parts) if parts else "anyone"
    extra = "".join(f", with the preimage of {h}" for h in path.hashes)
    via = f" ({path.via})" if path.via else ""
    return f"{who}{extra}, {describe_lock(path)}{via}"


def describe_policy(paths: Sequence[SpendingPath], names: Sequence[str]) -> str:
    return " — or ".join(describe_path(path, names) for path in paths)
