"""Script templates: a wallet's miniscript with key placeholders (`@0`, `@1`, ...).

A miniscript wallet keeps the descriptor it was registered from as a template: the text
with each key expression replaced by `@i`, where i indexes the wallet's keys (which carry
their own chains, e.g. Liana's `<0;1>` and `<2;3>` for one xpub in two spending paths).
The template is what the wallet's scripts are compiled from at each address, what its
spending paths are read from, and what its descriptor text is written back from.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from embit import script as embit_script
from embit.ec import PublicKey

from signer.errors import InvalidWallet
from signer.wallet.miniscript import Context, Node, check_sane, compile_script, parse
from signer.wallet.policy import SpendingPath, spending_paths

PLACEHOLDER = re.compile(r"@(\d+)")


@dataclass(frozen=True)
class Template:
    text: str  # e.g. "wsh(or_d(multi(2,@0,@1,@2),and_v(v:pkh(@3),older(52560))))"

    @cached_property
    def context(self) -> Context:
        if self.text.startswith("wsh(") and self.text.endswith(")"):
            return Context.P2WSH
        raise InvalidWallet("a miniscript wallet is wsh(MINISCRIPT)")

    @cached_property
    def node(self) -> Node:
        """The miniscript; its keys are key indexes."""
        return parse(self.text[4:-1], _placeholder, self.context)

    @cached_property
    def key_count(self) -> int:
        return len(self.node.all_keys)

    def check(self, key_identity: Sequence[object]) -> None:
        """The sanity rules, with keys compared by their identity (xpub and chains)."""
        if sorted(self.node.all_keys) != list(range(len(key_identity))):
            raise InvalidWallet("the template's key placeholders must be @0, @1, ... once each")
        check_sane(self.node, lambda index: key_identity[index], self.context)

    def witness_script(self, pubkeys: Sequence[PublicKey]) -> embit_script.Script:
        return embit_script.Script(compile_script(
            self.node, lambda index: pubkeys[index].sec(), self.context))

    @cached_property
    def paths(self) -> tuple[SpendingPath, ...]:
        return spending_paths(self.node, lambda index: index)

    def fill(self, key_texts: Sequence[str]) -> str:
        """The template with every placeholder replaced by its key's text."""
        return PLACEHOLDER.sub(lambda match: key_texts[int(match.group(1))], self.text)


def _placeholder(text: str, position: int) -> int:
    match = PLACEHOLDER.fullmatch(text.strip())
    if match is None:
        raise InvalidWallet(f"a template key must be @i, not {text.strip()[:12]!r}")
    return int(match.group(1))


def template_from_keys(wrapper: str, inner: str, key_texts: Sequence[str]) -> str:
    """`wrapper(inner)` with the key texts (found in order) replaced by @0, @1, ..."""
    pieces = []
    cursor = 0
    for index, key_text in enumerate(key_texts):
        at = inner.index(key_text, cursor)
        pieces.append(inner[cursor:at] + f"@{index}")
        cursor = at + len(key_text)
    return f"{wrapper}({''.join(pieces)}{inner[cursor:]})"
