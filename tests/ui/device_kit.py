"""The device the UI tests drive: cosigner 0's keystore (testnet unless asked; cheap KDF,
unlocked with PASSPHRASE), optionally with a registered wallet, and a /sys/class with
loopback only."""

from pathlib import Path

from conftest import CHEAP_KDF
from independent.cosigners import MNEMONICS

from signer.keystore import Keystore
from signer.network import Network
from signer.settings import Settings
from signer.transport.assembler import Assembler
from signer.wallet.model import Wallet
from signer.wallet.registry import wallet_record
from ui.screens.qr import QRScreen

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


def qr_payload(qr: QRScreen) -> bytes:
    """What a coordinator's camera reads from the QR screen: its frames assembled."""
    assembler = Assembler()
    for _ in range(20 * qr.view.frame_count):
        assembler.receive(qr.view.next_frame())  # type: ignore[arg-type]
        if assembler.is_complete:
            data = assembler.result().data
            assert isinstance(data, bytes)
            return data
    raise AssertionError("the QR frames never completed")
