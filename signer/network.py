"""The four networks a device can be set to, and their embit parameters."""

from enum import StrEnum

from embit.networks import NETWORKS


class Network(StrEnum):
    MAIN = "main"
    TEST = "test"
    SIGNET = "signet"
    REGTEST = "regtest"

    @property
    def params(self) -> dict:
        """embit's network dict (bech32 hrp, xpub version bytes, ...)."""
        return NETWORKS[self.value]

    @property
    def coin_type(self) -> int:
        """BIP-44 coin type: 0 on main, 1 on every test network."""
        return 0 if self is Network.MAIN else 1

    @property
    def is_test(self) -> bool:
        return self is not Network.MAIN

    @classmethod
    def parse(cls, text: str) -> "Network":
        aliases = {"mainnet": "main", "bitcoin": "main", "testnet": "test", "testnet3": "test",
                   "testnet4": "test"}
        try:
            return cls(aliases.get(text.lower(), text.lower()))
        except ValueError:
            from signer.errors import UsageError

            raise UsageError(
                f"unknown network {text!r}: use main, test, signet or regtest"
            ) from None
