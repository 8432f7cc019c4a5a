"""The wallets this device cosigns for, kept as records inside the encrypted keystore.

The keystore is encrypted and authenticated, so the records cannot be swapped by anyone
holding the SD card; this class only keeps them consistent (one name, one policy each).
A record is {"name", "descriptor", "network"}: the canonical descriptor says everything
else, and the network tells test, signet and regtest apart (they share tpub keys).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from embit.bip32 import HDKey
from embit.script import Script

from signer.errors import InvalidAddress, InvalidWallet, UnknownWallet, WrongNetwork
from signer.network import Network
from signer.wallet.addresses import decode_address
from signer.wallet.descriptor import wallet_from_descriptors
from signer.wallet.formats import check_name
from signer.wallet.model import Wallet
from signer.wallet.ownership import check_one_key_ours, check_ours, with_our_origin

DEFAULT_GAP = 1000


@dataclass(frozen=True)
class ScriptMatch:
    wallet: Wallet
    change: bool
    index: int

    @property
    def chain(self) -> str:
        return "change" if self.change else "receive"


@dataclass(frozen=True)
class AddressMatch(ScriptMatch):
    address: str


def wallet_record(wallet: Wallet) -> dict[str, str]:
    return {"name": wallet.name, "descriptor": wallet.descriptor(), "network": wallet.network.value}


def wallet_from_record(record: dict[str, Any]) -> Wallet:
    try:
        name, descriptor = record["name"], record["descriptor"]
        network = Network(record["network"])
    except (KeyError, TypeError):
        raise InvalidWallet("a stored wallet record is incomplete") from None
    except ValueError:
        raise InvalidWallet(f"a stored wallet record names an unknown network: "
                            f"{record['network']!r}") from None
    return wallet_from_descriptors([descriptor], name, network)


class WalletRegistry:
    """A view over the keystore's wallet_records list; changes go into that same list."""

    def __init__(self, records: list[dict], network: Network):
        self._records = records
        self.network = network  # the device's network: the default for tpub wallets
        self._wallets = [wallet_from_record(record) for record in records]

    def wallets(self) -> list[Wallet]:
        return list(self._wallets)

    def get(self, name: str) -> Wallet:
        wanted = _name_key(name)
        for wallet in self._wallets:
            if _name_key(wallet.name) == wanted:
                return wallet
        known = ", ".join(repr(wallet.name) for wallet in self._wallets) or "none yet"
        raise UnknownWallet(f"no wallet named {name!r} (registered: {known})")

    def add(self, wallet: Wallet, root: HDKey) -> Wallet:
        """Register a wallet after checking it; returns it as stored (see check)."""
        wallet = self.check(wallet, root)
        self._records.append(wallet_record(wallet))
        self._wallets.append(wallet)
        return wallet

    def check(self, wallet: Wallet, root: HDKey) -> Wallet:
        """Everything add() refuses, without registering: the device's network, exactly one
        key of ours, a free name, not registered already. Returns the wallet as it would be
        stored: with our key's origin put back where the coordinator left it out."""
        check_name(wallet.name)
        wallet = with_our_origin(wallet, root)
        if wallet.network is not self.network:
            # Accepting it would put a network-mismatch danger on every later review and
            # teach the user to override it.
            raise WrongNetwork(
                f"this wallet is for the {wallet.network} network, the device is set to "
                f"{self.network}: switch with `airsign keystore settings --set "
                f"network={wallet.network}` (or Settings > Network on the device), then add it "
                "again")
        check_ours(wallet, root)
        check_one_key_ours(wallet, root)
        for existing in self._wallets:
            if _name_key(existing.name) == _name_key(wallet.name):
                raise InvalidWallet(f"a wallet named {existing.name!r} is already registered")
            if existing.same_policy(wallet):
                raise InvalidWallet(f"this wallet is already registered as {existing.name!r}")
        return wallet

    def remove(self, name: str) -> Wallet:
        wallet = self.get(name)
        position = self._wallets.index(wallet)
        del self._wallets[position]
        del self._records[position]
        return wallet

    # --- looking things up -----------------------------------------------------------
    def find_address(self, address: str, gap: int = DEFAULT_GAP) -> AddressMatch | None:
        """Which wallet, chain and index gives this address; searched index by index."""
        if gap < 1:
            raise InvalidAddress("the search gap must be at least 1")
        decoded = decode_address(address)
        candidates = [wallet for wallet in self._wallets if wallet.network in decoded.networks]
        if not candidates and self._wallets:
            networks = sorted({wallet.network.value for wallet in self._wallets})
            raise InvalidAddress(
                f"{address.strip()} is a {decoded.network_label} address, but the registered "
                f"wallets are on {', '.join(networks)}"
            )
        match = _search(candidates, decoded.script_pubkey, range(gap))
        if match is None:
            return None
        return AddressMatch(match.wallet, match.change, match.index, address.strip())

    def locate_script(
        self, script_pubkey: Script, derivations: Iterable[tuple[bytes, Sequence[int]]]
    ) -> ScriptMatch | None:
        """The wallet and (change, index) of an output, from its PSBT key derivations.

        derivations: (master fingerprint, full path) pairs, e.g. from a PSBT output's
        bip32_derivations. Only the positions they name are tried, and the script must
        come out equal, so a lying derivation cannot make a foreign output look like ours.
        """
        for fingerprint, path in derivations:
            for wallet in self._wallets:
                position = wallet.locate(fingerprint, tuple(path))
                if position is None:
                    continue
                change, index = position
                if wallet.script_pubkey(change, index) == script_pubkey:
                    return ScriptMatch(wallet, change, index)
        return None


def _search(wallets: list[Wallet], target: Script, indexes: range) -> ScriptMatch | None:
    # Breadth-first by index: a used address is usually low, so most hits end early.
    for index in indexes:
        for wallet in wallets:
            for change in (False, True):
                if wallet.script_pubkey(change, index) == target:
                    return ScriptMatch(wallet, change, index)
    return None


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()
