"""The boot-time air-gap check: is there any network hardware besides loopback?

Reads sysfs only (no sockets): /sys/class/net for network interfaces (wifi, ethernet, USB
gadget, ...), /sys/class/bluetooth for Bluetooth adapters and /sys/class/rfkill for radios the
kernel knows about. The roots are parameters so tests can point them at a fake tree.
"""

from dataclasses import dataclass
from pathlib import Path

SYS_CLASS = Path("/sys/class")


@dataclass(frozen=True)
class NetworkDevice:
    name: str
    kind: str  # wifi, ethernet, usb-gadget, bluetooth, radio, other

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


@dataclass(frozen=True)
class AirGapReport:
    devices: tuple[NetworkDevice, ...]

    @property
    def ok(self) -> bool:
        return not self.devices

    def summary(self) -> str:
        if self.ok:
            return "no network hardware found"
        return "network hardware found: " + ", ".join(str(d) for d in self.devices)


def _interface_kind(path: Path) -> str:
    if (path / "wireless").exists() or (path / "phy80211").exists():
        return "wifi"
    driver = path / "device" / "driver"
    driver_name = driver.resolve().name if driver.exists() else ""
    if driver_name in ("g_ether", "usb_f_ecm", "usb_f_rndis", "usb_f_ncm", "rndis_host",
                       "cdc_ether", "cdc_ncm"):
        return "usb-gadget"
    type_file = path / "type"
    if type_file.exists() and type_file.read_text().strip() == "1":
        return "ethernet"
    return "other"


def check_air_gap(sys_class: Path = SYS_CLASS) -> AirGapReport:
    devices: list[NetworkDevice] = []
    net = sys_class / "net"
    if net.is_dir():
        for entry in sorted(net.iterdir()):
            if entry.name != "lo":
                devices.append(NetworkDevice(entry.name, _interface_kind(entry)))
    bluetooth = sys_class / "bluetooth"
    if bluetooth.is_dir():
        devices.extend(NetworkDevice(e.name, "bluetooth") for e in sorted(bluetooth.iterdir()))
    rfkill = sys_class / "rfkill"
    if rfkill.is_dir():
        for entry in sorted(rfkill.iterdir()):
            type_file = entry / "type"
            kind = type_file.read_text().strip() if type_file.exists() else "radio"
            name_file = entry / "name"
            name = name_file.read_text().strip() if name_file.exists() else entry.name
            if not any(d.name == name for d in devices):
                devices.append(NetworkDevice(name, "bluetooth" if kind == "bluetooth" else
                                             "wifi" if kind == "wlan" else "radio"))
    return AirGapReport(tuple(devices))
