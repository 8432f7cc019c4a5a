"""Which of our wallets a PSBT script belongs to, proven by re-deriving it, never by its claims.

A derivation in the PSBT (pubkey, fingerprint, path) only names a candidate position in a
registered wallet (or in one of this seed's single-sig accounts); the script is ours only when
the wallet derives exactly that script at that position.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from embit.bip32 import HDKey
from embit.psbt import InputScope, OutputScope
from embit.script import Script

from signer.errors import PSBTTooComplex
from signer.network import Network
from signer.scripts import HARDENED, ScriptType
from signer.wallet.keytree import KeyTree
from signer.wallet.model import CosignerKey, OutputScripts, Wallet

SINGLE_SIG_PURPOSES = {44: ScriptType.P2PKH, 49: ScriptType.P2SH_P2WPKH, 84: ScriptType.P2WPKH,
                       86: ScriptType.P2TR}
# Our single-sig accounts recognised as ours: a sane range, so a coordinator cannot send
# "change" to account 2,000,000,000 that no wallet would ever scan; beyond it is external.
SINGLE_SIG_ACCOUNTS = range(100)
# Wallet keys derived at an address, at most, in one review. The loader bounds the addresses a
# PSBT names (signer.psbt.MAX_DERIVATION_STEPS), but each is tried against every key of every
# registered wallet: this bounds the product. A 1,000-input spend of a 2-of-3 vault needs
# about 3,000 (bench.limits).
MAX_WALLET_KEY_DERIVATIONS = 12_000


@dataclass(frozen=True)
class Location:
    """Where a script sits in one of our wallets, with the scripts derived there."""

    wallet: Wallet
    change: bool
    index: int
    scripts: OutputScripts


@dataclass(frozen=True)
class Derivation:
    """One BIP-32 derivation the PSBT gives for a script: pubkey (SEC or x-only) -> path."""

    pubkey: bytes
    fingerprint: bytes
    path: tuple[int, ...]


def derivations(scope: InputScope | OutputScope) -> list[Derivation]:
    found = [Derivation(pub.sec(), der.fingerprint, tuple(der.derivation))
             for pub, der in scope.bip32_derivations.items()]
    found += [Derivation(pub.xonly(), der.fingerprint, tuple(der.derivation))
              for pub, (_leaves, der) in scope.taproot_bip32_derivations.items()]
    return found


class WalletMatcher:
    """Finds the wallet and (change, index) of a script; derives each address once."""

    def __init__(self, root: HDKey, wallets: Sequence[Wallet], network: Network):
        self.root = root
        self.fingerprint: bytes = root.my_fingerprint
        self.network = network
        self.wallets = list(wallets)
        self._single_sig: dict[tuple[ScriptType, int], Wallet] = {}
        self._scripts: dict[tuple[int, bool, int], OutputScripts] = {}
        self._pubkeys: dict[tuple[int, bool, int], tuple[bytes, bytes]] = {}
        self._own_keys = KeyTree(root)  # our key at any path, each step derived once
        self._derived = 0  # wallet keys derived at an address so far

    def _spend(self, derivations: int) -> None:
        self._derived += derivations
        if self._derived > MAX_WALLET_KEY_DERIVATIONS:
            raise PSBTTooComplex(f"the PSBT names more addresses than this device checks in "
                                 f"one review (over {MAX_WALLET_KEY_DERIVATIONS:,} wallet keys "
                                 "to derive)")

    def scripts(self, wallet: Wallet, change: bool, index: int) -> OutputScripts:
        key = (id(wallet), change, index)
        if key not in self._scripts:
            self._spend(len(wallet.keys))
            self._scripts[key] = wallet.output(change, index)
        return self._scripts[key]

    def _single_sig_wallet(self, path: tuple[int, ...]) -> Wallet | None:
        """Our own BIP-44/49/84/86 account for a path like 84h/0h/0h/0/5, if it is one."""
        if len(path) != 5 or any(step < HARDENED for step in path[:3]):
            return None
        script_type = SINGLE_SIG_PURPOSES.get(path[0] - HARDENED)
        if script_type is None or path[1] - HARDENED != self.network.coin_type:
            return None
        account = path[2] - HARDENED
        if account not in SINGLE_SIG_ACCOUNTS:
            return None
        if (script_type, account) not in self._single_sig:
            self._single_sig[(script_type, account)] = Wallet.single_sig(
                self.root, script_type, self.network, account)
        return self._single_sig[(script_type, account)]

    def _wallets_for(self, path: tuple[int, ...]) -> list[Wallet]:
        """The registered wallets, and our single-sig account if the path has that shape."""
        own = self._single_sig_wallet(path)
        return self.wallets if own is None else [*self.wallets, own]

    def candidates(self, derivation: Derivation) -> Iterator[tuple[Wallet, bool, int]]:
        """Wallet positions this derivation claims, by fingerprint and path."""
        for wallet in self._wallets_for(derivation.path):
            place = wallet.locate(derivation.fingerprint, derivation.path)
            if place is not None:
                yield wallet, place[0], place[1]

    def by_pubkey(self, derivation: Derivation) -> Iterator[tuple[Wallet, bool, int]]:
        """Whatever the fingerprint says: the wallet key that derives this very pubkey at the
        (change, index) the path ends with."""
        if len(derivation.path) < 2 or derivation.path[-2] not in (0, 1):
            return
        change, index = bool(derivation.path[-2]), derivation.path[-1]
        if index >= HARDENED:
            return
        for wallet in self._wallets_for(derivation.path):
            for key in wallet.keys:
                if derivation.pubkey in self._cosigner_pubkey(key, change, index):
                    yield wallet, change, index

    def _cosigner_pubkey(self, key: CosignerKey, change: bool, index: int) -> tuple[bytes, bytes]:
        """(SEC, x-only) of a cosigner's key at an address, derived once per review."""
        cache_key = (id(key), change, index)
        if cache_key not in self._pubkeys:
            self._spend(1)
            pub = key.derive(change, index)
            self._pubkeys[cache_key] = (pub.sec(), pub.xonly())
        return self._pubkeys[cache_key]

    def locate(self, found: list[Derivation], script_pubkey: Script) -> tuple[Location | None,
                                                                              bool]:
        """(the verified location, whether any derivation claimed a key of our wallets).

        A claim is made by our fingerprint, by a registered cosigner's fingerprint and path,
        or by a public key that re-derives from our wallets (so hidden, zero or wrong
        fingerprints claim just the same); a claim whose script does not re-derive is fake.
        """
        claimed = False
        positions = []
        for derivation in found:
            matches = list(self.candidates(derivation)) or list(self.by_pubkey(derivation))
            claimed = (claimed or bool(matches) or derivation.fingerprint == self.fingerprint
                       or (derivation.fingerprint == bytes(4) and self.is_our_key(derivation)))
            positions += matches
        for wallet, change, index in positions:
            scripts = self.scripts(wallet, change, index)
            if scripts.script_pubkey.data == script_pubkey.data:
                return Location(wallet, change, index, scripts), True
        return None, claimed

    def our_key_path(self, location: Location) -> tuple[int, ...] | None:
        key = location.wallet.key_for_fingerprint(self.fingerprint)
        return key.full_path(location.change, location.index) if key else None

    def our_key_indexes(self, location: Location) -> tuple[int, ...]:
        """Positions of our keys in the wallet (several in a miniscript wallet)."""
        return tuple(position for position, key in enumerate(location.wallet.keys)
                     if key.fingerprint == self.fingerprint)

    def is_our_key(self, derivation: Derivation) -> bool:
        """Our fingerprint, or (for a zero fingerprint) a pubkey our seed derives at the path."""
        if derivation.fingerprint == self.fingerprint:
            return True
        if derivation.fingerprint != bytes(4) or not derivation.path:
            return False
        # A coordinator that hides fingerprints: derive the path to see whether it is us.
        sec = self._own_keys.public_key(derivation.path)
        return derivation.pubkey in (sec, sec[1:])
