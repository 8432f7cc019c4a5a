"""BIP-388 wallet policies: a descriptor template with key placeholders and a key vector.

Two serialisations are read and written:
- JSON: {"name": ..., "descriptor_template": "wsh(sortedmulti(2,@0/**,@1/**))",
  "keys_info": ["[fp/48h/0h/0h/2h]xpub...", ...]} (the form Ledger and other signers use);
- text: the template on the first line, then one key per line; `#` lines are comments.

A policy becomes the same descriptor text the other formats give (`@i/**` is `KEY/<0;1>/*`,
`@i/<a;b>/*` is `KEY/<a;b>/*`), so the registry stores one wallet whichever way it came in.
"""

import json
import re
from dataclasses import dataclass

from signer.errors import InvalidWallet
from signer.wallet.model import Wallet, wrap_descriptor

MAX_KEYS = 64  # far beyond any multisig; bounds a hostile file
# @i followed by /** or /<a;b>/* (BIP-388 "KP" expressions).
_PLACEHOLDER = re.compile(r"@(\d+)(/\*\*|/<(\d+);(\d+)>/\*)")
_ANY_PLACEHOLDER = re.compile(r"@\d+")
_KEY_INFO = re.compile(r"\[[0-9a-fA-F]{8}(?:/\d+['h]?)*\][a-km-zA-HJ-NP-Z1-9]{100,112}")
JSON_FIELDS = frozenset({"descriptor_template", "keys_info"})


@dataclass(frozen=True)
class WalletPolicy:
    name: str | None
    template: str
    keys_info: tuple[str, ...]

    def descriptor(self) -> str:
        """The output descriptor: every placeholder replaced by its key."""
        used: set[int] = set()

        def substitute(match: re.Match[str]) -> str:
            index = int(match.group(1))
            if index >= len(self.keys_info):
                raise InvalidWallet(f"the template uses @{index}, but only "
                                    f"{len(self.keys_info)} keys are given")
            used.add(index)
            if match.group(2) == "/**":
                return f"{self.keys_info[index]}/<0;1>/*"
            receive, change = int(match.group(3)), int(match.group(4))
            if receive == change:
                raise InvalidWallet(f"@{index}/<{receive};{change}>/* uses one chain twice")
            return f"{self.keys_info[index]}/<{receive};{change}>/*"

        text = _PLACEHOLDER.sub(substitute, self.template)
        if _ANY_PLACEHOLDER.search(text):
            raise InvalidWallet("a key placeholder must be @i/** or @i/<a;b>/*")
        unused = sorted(set(range(len(self.keys_info))) - used)
        if unused:
            raise InvalidWallet(f"key {unused[0]} of the policy is not used by its template")
        return text

    def as_json(self) -> str:
        document = {"name": self.name or "", "descriptor_template": self.template,
                    "keys_info": list(self.keys_info)}
        return json.dumps(document, indent=2)

    def as_text(self) -> str:
        lines = [f"# {self.name}"] if self.name else []
        return "\n".join([*lines, self.template, *self.keys_info]) + "\n"


def is_policy_text(text: str) -> bool:
    """Whether a text file is a BIP-388 policy: its first line is a template with @0."""
    first = next((line.strip() for line in text.splitlines()
                  if line.strip() and not line.lstrip().startswith("#")), "")
    return "(" in first and "@0" in first


def parse_policy_json(document: dict) -> WalletPolicy:
    template, keys = document.get("descriptor_template"), document.get("keys_info")
    if not isinstance(template, str) or not isinstance(keys, list):
        raise InvalidWallet("a BIP-388 policy needs a descriptor_template string and a "
                            "keys_info list")
    name = document.get("name")
    return _checked(name if isinstance(name, str) and name.strip() else None, template, keys)


def parse_policy_text(text: str) -> WalletPolicy:
    lines = [line.strip() for line in text.splitlines()]
    content = [line for line in lines if line and not line.startswith("#")]
    if not content:
        raise InvalidWallet("the policy file is empty")
    return _checked(None, content[0], content[1:])


def _checked(name: str | None, template: str, keys: list[object]) -> WalletPolicy:
    if len(keys) > MAX_KEYS:
        raise InvalidWallet(f"a policy with {len(keys)} keys: at most {MAX_KEYS} are accepted")
    for position, key in enumerate(keys):
        if not isinstance(key, str) or not _KEY_INFO.fullmatch(key.strip()):
            raise InvalidWallet(f"key {position} of the policy is not '[fingerprint/path]xpub' "
                                "(BIP-388 keys carry their origin and no derivation suffix)")
    keys_info = tuple(str(key).strip() for key in keys)
    if len(set(keys_info)) != len(keys_info):
        raise InvalidWallet("the policy lists the same key twice")
    return WalletPolicy(name, template.strip(), keys_info)


def policy_of(wallet: Wallet) -> WalletPolicy:
    """The BIP-388 form of a registered wallet (keys in the wallet's order; one xpub used on
    several chain pairs, as in a miniscript wallet, is one key with several placeholders)."""
    if wallet.template is not None:
        infos: list[str] = []
        placeholders = []
        for key in wallet.keys:
            info = key.descriptor_key(multipath=False)
            if info not in infos:
                infos.append(info)
            chains = "/**" if key.chains == (0, 1) else f"/<{key.chains[0]};{key.chains[1]}>/*"
            placeholders.append(f"@{infos.index(info)}{chains}")
        return WalletPolicy(wallet.name, wallet.template.fill(placeholders), tuple(infos))
    placeholders = [f"@{index}/**" for index in range(len(wallet.keys))]
    if wallet.is_multisig:
        function = "sortedmulti" if wallet.sorted_keys else "multi"
        inner = f"{function}({wallet.threshold},{','.join(placeholders)})"
    else:
        inner = placeholders[0]
    keys = tuple(key.descriptor_key(multipath=False) for key in wallet.keys)
    return WalletPolicy(wallet.name, wrap_descriptor(wallet.script_type, inner), keys)
