"""Extended keys in any of their spellings: xpub/tpub and the SLIP-132 ypub/zpub/Ypub/Zpub.

Many coordinators (Electrum, Coldcard files, older Sparrow and Specter) still write SLIP-132
keys. The version bytes only say which script the key was meant for; the key itself is the
same, so we convert to the plain xpub/tpub form (xprv/tprv for private keys).
"""

from dataclasses import dataclass

from embit import base58
from embit.base import EmbitError
from embit.bip32 import HDKey
from embit.networks import NETWORKS

from signer.errors import InvalidWallet
from signer.network import Network


@dataclass(frozen=True)
class ExtendedKey:
    key: HDKey  # with the plain xpub/tpub (xprv/tprv) version
    network: str  # "main" or "test" (test, signet and regtest share tpub)
    spelling: str  # the version as given: "xpub", "Zpub", "vpub", ...


def _versions() -> dict[bytes, tuple[str, str]]:
    table: dict[bytes, tuple[str, str]] = {}
    for network in ("main", "test"):
        for spelling, version in NETWORKS[network].items():
            if spelling[1:] in ("pub", "prv"):
                table[version] = (network, spelling)
    return table


_VERSIONS = _versions()
# SLIP-132 names keys by their mainnet letters; the testnet equivalents are these.
_TEST_SPELLING = {
    "xpub": "tpub",
    "ypub": "upub",
    "zpub": "vpub",
    "Ypub": "Upub",
    "Zpub": "Vpub",
    "xprv": "tprv",
    "yprv": "uprv",
    "zprv": "vprv",
    "Yprv": "Uprv",
    "Zprv": "Vprv",
}


def public_key_network(version: bytes) -> str | None:
    """The network ("main" or "test") of public-key version bytes in any spelling, or None."""
    known = _VERSIONS.get(version)
    return known[0] if known is not None and known[1].endswith("pub") else None


def parse_extended_key(raw: bytes, label: str | int) -> ExtendedKey:
    """Decode 78 serialized bytes (after base58check); label names the key in errors."""
    known = _VERSIONS.get(raw[:4])
    if known is None:
        raise InvalidWallet(f"key {label} has an unknown extended-key version")
    network, spelling = known
    try:
        key = HDKey.parse(raw)
    except (EmbitError, ValueError, IndexError):
        raise InvalidWallet(f"key {label} is not a valid extended key") from None
    kind = "xprv" if key.is_private else "xpub"
    plain = HDKey(
        key.key,
        key.chain_code,
        NETWORKS[network][kind],
        key.depth,
        key.fingerprint,
        key.child_number,
    )
    shown = _TEST_SPELLING[spelling] if network == "test" else spelling
    return ExtendedKey(plain, network, shown)


def parse_extended_key_text(text: str, label: str | int) -> ExtendedKey:
    try:
        raw = base58.decode_check(text.strip())
    except (EmbitError, ValueError):
        raise InvalidWallet(f"key {label} is not a valid key (bad base58 or checksum)") from None
    if len(raw) != 78:
        raise InvalidWallet(f"key {label} is not an extended key")
    return parse_extended_key(raw, label)


def network_for(key_networks: set[str | None], hint: Network) -> Network:
    """The wallet's network from its keys' networks; hint picks test, signet or regtest."""
    if len(key_networks) != 1:
        raise InvalidWallet("the wallet mixes mainnet (xpub) and testnet (tpub) keys")
    if key_networks == {"main"}:
        return Network.MAIN
    if key_networks != {"test"}:
        raise InvalidWallet("the wallet's keys are not extended public keys")
    return hint if hint.is_test else Network.TEST
