"""The device the UI tests drive: cosigner 0's keystore (testnet unless asked; cheap KDF,
unlocked with PASSPHRASE), optionally with a registered wallet, and a /sys/class with
loopback only."""

from pathlib import Path

from conftest import CHEAP_KDF
from independent.cosigners import MNEMONICS

from signer.keystore import Keystore
from signer.network import Network
from signer.settings import Settings
from signer.wallet.model import Wallet
from signer.wallet.registry import wallet_record

PASSPHRASE = "correct horse"


def device_keystore(path: Path, registered: Wallet | None = None,
                    network: Network = Network.TEST, also: tuple[Wallet, ...] = ()) -> Path:
    stored = Keystore.create(path, MNEMONICS[0], PASSPHRASE, kdf=CHEAP_KDF,
                             kdf_cost_check=False, settings=Settings(network=network))
    for wallet in (registered, *also) if registered is not None else also:
        stored.wallet_records.append(wallet_record(wallet))
    stored.save()
    stored.lock()
    return path


def loopback_sys(root: Path) -> Path:
    """root/sys as the air-gap check reads it: only the loopback interface."""
    (root / "sys" / "net" / "lo").mkdir(parents=True, exist_ok=True)
    return root / "sys"
