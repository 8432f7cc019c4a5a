"""`airsign doctor`: what this device runs on and whether its air gap holds.

Reports the secp256k1 backend, the QR decoder (proved by decoding a code drawn here), camera
and display device nodes, the keystore (without unlocking it), network hardware (the boot-time
check of signer/airgap.py), swap, and the in-process network guard. Exit 1 when the air gap
is not intact (any network interface but loopback, a Bluetooth adapter or a radio, or the
guard missing); everything else is reported, not enforced.
"""

import argparse
import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from signer.airgap import SYS_CLASS, check_air_gap
from signer.errors import AirsignError
from signer.hygiene import is_installed
from signer.keys import secp256k1_backend
from signer.keystore import Keystore
from ui.cli.common import keystore_path

DEV = Path("/dev")
SWAPS = Path("/proc/swaps")
PROBE_TEXT = "airsign doctor"


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # worth knowing; the device still works
    FAIL = "fail"  # the air gap is broken


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str


def device_nodes(*patterns: str, dev: Path = DEV) -> list[str]:
    return sorted(str(node) for pattern in patterns for node in dev.glob(pattern))


def check_secp256k1() -> Finding:
    backend = secp256k1_backend()
    if backend == "libsecp256k1":
        return Finding("secp256k1", Status.OK, "libsecp256k1 (ctypes)")
    return Finding("secp256k1", Status.WARN, "pure-Python fallback: 16-37x slower, not "
                   "constant-time; install libsecp256k1")


def check_qr_decoder() -> Finding:
    """Draw a QR code and read it back with the decoder the scanner uses."""
    try:
        from ui.qr.render import qr_modules, scale_to_fit
        from ui.scan.decoders import DEFAULT_DECODER, get_decoder
    except ImportError as exc:  # a broken install (zxing-cpp or OpenCV missing) is a finding
        return Finding("qr decoder", Status.WARN, f"cannot load the QR decoder: {exc}")

    image = scale_to_fit(qr_modules(PROBE_TEXT), 240)
    found = get_decoder(DEFAULT_DECODER).decode(image)
    if found == [PROBE_TEXT]:
        return Finding("qr decoder", Status.OK, f"{DEFAULT_DECODER} (reads a test code)")
    return Finding("qr decoder", Status.WARN, f"{DEFAULT_DECODER} did not read a test code")


def check_camera(dev: Path = DEV) -> Finding:
    nodes = device_nodes("video*", dev=dev)
    if nodes:
        return Finding("camera", Status.OK, ", ".join(nodes))
    return Finding("camera", Status.WARN, f"no {dev}/video* device: scanning needs a camera")


def check_display(dev: Path = DEV) -> Finding:
    nodes = device_nodes("fb*", "spidev*", dev=dev)
    if nodes:
        return Finding("display", Status.OK, ", ".join(nodes))
    return Finding("display", Status.WARN, f"no framebuffer or SPI device under {dev}")


def check_keystore(path: Path) -> Finding:
    if not Keystore.exists(path):
        return Finding("keystore", Status.WARN, f"none at {path}")
    try:
        info = Keystore.info(path)
    except AirsignError as error:
        return Finding("keystore", Status.WARN, f"{path}: {error}")
    attempts = f", {info.failed_attempts} failed unlock(s)" if info.failed_attempts else ""
    return Finding("keystore", Status.OK, f"{path} ({info.kdf.describe()}{attempts})")


def check_interfaces(sys_class: Path = SYS_CLASS) -> Finding:
    """Network interfaces, Bluetooth adapters and radios, by the boot-time check."""
    report = check_air_gap(sys_class)
    if not report.ok:
        return Finding("network", Status.FAIL, f"{report.summary()}: the air gap is not intact")
    return Finding("network", Status.OK, report.summary())


def check_swap(swaps: Path = SWAPS) -> Finding:
    try:
        lines = swaps.read_text().splitlines()[1:]  # the first line is the column header
    except OSError:
        return Finding("swap", Status.OK, f"off ({swaps} unreadable: no swap support)")
    devices = [line.split()[0] for line in lines if line.strip()]
    if devices:
        return Finding("swap", Status.WARN, f"on ({', '.join(devices)}): unlocked secrets "
                       "could be paged to unencrypted storage")
    return Finding("swap", Status.OK, "off")


def check_guard() -> Finding:
    if is_installed():
        return Finding("network guard", Status.OK, "audit hook refuses sockets in this process")
    return Finding("network guard", Status.FAIL, "the socket-refusing audit hook is not installed")


def diagnose(args: argparse.Namespace) -> list[Finding]:
    return [check_secp256k1(), check_qr_decoder(), check_camera(), check_display(),
            check_keystore(keystore_path(args)), check_interfaces(), check_swap(),
            check_guard()]


def run(args: argparse.Namespace) -> int:
    findings = diagnose(args)
    if args.json:
        print(json.dumps([asdict(finding) for finding in findings], indent=2))
    else:
        width = max(len(finding.check) for finding in findings)
        for finding in findings:
            print(f"{finding.status.value:<4}  {finding.check:<{width}}  {finding.detail}")
    intact = all(finding.status is not Status.FAIL for finding in findings)
    if not args.json:
        print("air gap: intact" if intact else "air gap: NOT intact", flush=True)
    return 0 if intact else 1


def register(add_command) -> None:  # noqa: ANN001 - the dispatcher's callable
    parser = add_command("doctor")
    parser.add_argument("--json", action="store_true", help="machine-readable findings")
    parser.set_defaults(func=run)

