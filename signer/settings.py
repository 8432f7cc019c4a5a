"""Device settings, kept inside the encrypted keystore."""

from dataclasses import asdict, dataclass, fields
from typing import Any

from signer.errors import UsageError
from signer.network import Network

DENOMINATIONS = ("btc", "sats")
QR_DENSITIES = ("low", "medium", "high")


@dataclass
class Settings:
    network: Network = Network.MAIN
    denomination: str = "btc"
    qr_density: str = "medium"
    qr_fps: float = 6.0
    camera_rotation: int = 0  # degrees clockwise: 0, 90, 180, 270
    camera_mirror: bool = False
    brightness: int = 100  # percent
    auto_lock_seconds: int = 300  # 0 disables
    high_fee_sats: int = 1_000_000  # warn when the fee exceeds this many sats ...
    high_fee_percent: float = 5.0  # ... or this share of the amount sent
    large_index_warning: int = 1000  # warn on PSBT change/receive indexes above this
    wipe_after_failures: int = 0  # 0 = never wipe after failed unlocks

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not isinstance(self.network, Network):
            self.network = Network.parse(str(self.network))
        if self.denomination not in DENOMINATIONS:
            raise UsageError(f"denomination must be one of {', '.join(DENOMINATIONS)}")
        if self.qr_density not in QR_DENSITIES:
            raise UsageError(f"QR density must be one of {', '.join(QR_DENSITIES)}")
        if self.camera_rotation not in (0, 90, 180, 270):
            raise UsageError("camera rotation must be 0, 90, 180 or 270")
        if not 0.5 <= self.qr_fps <= 30:
            raise UsageError("QR frame rate must be between 0.5 and 30 per second")
        if not 0 <= self.brightness <= 100:
            raise UsageError("brightness must be between 0 and 100")
        if self.auto_lock_seconds < 0 or self.high_fee_sats < 0 or self.high_fee_percent < 0:
            raise UsageError("timeouts and fee thresholds cannot be negative")
        if self.wipe_after_failures < 0:
            raise UsageError("wipe-after-failures cannot be negative")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["network"] = self.network.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Settings":
        known = {f.name for f in fields(cls)}
        # Unknown keys come from a newer version: ignore rather than refuse to unlock.
        return cls(**{k: v for k, v in data.items() if k in known})
