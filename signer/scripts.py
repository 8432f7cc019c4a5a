"""Script types a wallet can use, with their standard BIP-44/45/48/49/84/86 derivation paths."""

from enum import StrEnum

from signer.network import Network

HARDENED = 0x80000000


class ScriptType(StrEnum):
    P2WSH = "p2wsh"  # wsh(multi) — BIP-48 script type 2'
    P2SH_P2WSH = "p2sh-p2wsh"  # sh(wsh(multi)) — BIP-48 script type 1'
    P2SH = "p2sh"  # sh(multi) — BIP-45
    P2WPKH = "p2wpkh"  # BIP-84
    P2SH_P2WPKH = "p2sh-p2wpkh"  # BIP-49
    P2PKH = "p2pkh"  # BIP-44
    P2TR = "p2tr"  # BIP-86 key path (single-sig); BIP-48 3' is not standardised, see docs

    @property
    def is_multisig(self) -> bool:
        return self in (ScriptType.P2WSH, ScriptType.P2SH_P2WSH, ScriptType.P2SH)

    def account_path(self, network: Network, account: int = 0) -> tuple[int, ...]:
        """The standard account path (all hardened) for this script type on this network."""
        h = HARDENED
        coin = network.coin_type
        if self is ScriptType.P2WSH:
            return (48 + h, coin + h, account + h, 2 + h)
        if self is ScriptType.P2SH_P2WSH:
            return (48 + h, coin + h, account + h, 1 + h)
        if self is ScriptType.P2SH:
            return (45 + h,)  # BIP-45 has no coin or account level
        purpose = {ScriptType.P2PKH: 44, ScriptType.P2SH_P2WPKH: 49, ScriptType.P2WPKH: 84,
                   ScriptType.P2TR: 86}[self]
        return (purpose + h, coin + h, account + h)


def format_path(path: tuple[int, ...] | list[int], hardened_marker: str = "h") -> str:
    """m/48h/1h/0h/2h style; pass hardened_marker="'" for the apostrophe form."""
    parts = ["m"]
    for index in path:
        if index >= HARDENED:
            parts.append(f"{index - HARDENED}{hardened_marker}")
        else:
            parts.append(str(index))
    return "/".join(parts)


def parse_path(text: str) -> tuple[int, ...]:
    """Parse m/48'/1'/0'/2' (also h/H markers, with or without the leading m)."""
    from signer.errors import UsageError

    cleaned = text.strip()
    if cleaned in ("m", ""):
        return ()
    items = cleaned.split("/")
    if items[0] == "m":
        items = items[1:]
    path = []
    for item in items:
        hardened = item[-1:] in ("'", "h", "H")
        digits = item[:-1] if hardened else item
        if not digits.isdigit() or int(digits) >= HARDENED:
            raise UsageError(f"bad derivation path {text!r}: {item!r} is not an index")
        path.append(int(digits) + (HARDENED if hardened else 0))
    return tuple(path)
