"""`airsign doctor`: each probe against a prepared directory, and the command end to end."""

import json
import subprocess
import sys
from pathlib import Path

from signer.keystore import KdfParams, Keystore
from ui.cli.cmd_doctor import (
    Status,
    check_camera,
    check_display,
    check_interfaces,
    check_keystore,
    check_qr_decoder,
    check_swap,
)

REPO = Path(__file__).resolve().parents[2]
SWAPS_HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"


def test_loopback_only_is_intact_and_any_other_interface_is_not(tmp_path: Path) -> None:
    (tmp_path / "net" / "lo").mkdir(parents=True)
    assert check_interfaces(tmp_path).status is Status.OK
    (tmp_path / "net" / "wlan0" / "wireless").mkdir(parents=True)
    broken = check_interfaces(tmp_path)
    assert broken.status is Status.FAIL and "wlan0 (wifi)" in broken.detail
    assert check_interfaces(tmp_path / "missing").status is Status.OK


def test_a_bluetooth_adapter_breaks_the_air_gap(tmp_path: Path) -> None:
    (tmp_path / "bluetooth" / "hci0").mkdir(parents=True)
    found = check_interfaces(tmp_path)
    assert found.status is Status.FAIL and "hci0 (bluetooth)" in found.detail


def test_swap_on_is_reported(tmp_path: Path) -> None:
    swaps = tmp_path / "swaps"
    swaps.write_text(SWAPS_HEADER)
    assert check_swap(swaps).detail == "off"
    swaps.write_text(SWAPS_HEADER + "/var/swap  file  102396  0  -2\n")
    on = check_swap(swaps)
    assert on.status is Status.WARN and "/var/swap" in on.detail


def test_camera_and_display_nodes(tmp_path: Path) -> None:
    assert check_camera(tmp_path).status is Status.WARN
    assert check_display(tmp_path).status is Status.WARN
    for name in ("video0", "fb1", "spidev0.0"):
        (tmp_path / name).touch()
    assert check_camera(tmp_path).detail == f"{tmp_path}/video0"
    assert check_display(tmp_path).detail == f"{tmp_path}/fb1, {tmp_path}/spidev0.0"


def test_keystore_is_described_without_unlocking(tmp_path: Path) -> None:
    path = tmp_path / "keystore"
    assert check_keystore(path).status is Status.WARN
    Keystore.create(path, "legal winner thank year wave sausage worth useful legal winner "
                    "thank yellow", "pass phrase", kdf=KdfParams(64 * 1024, 1, 1)).lock()
    found = check_keystore(path)
    assert found.status is Status.OK and "Argon2id, 64 MiB, 1 iterations" in found.detail
    path.write_bytes(b"not a keystore at all, just text")
    assert check_keystore(path).status is Status.WARN


def test_qr_decoder_reads_its_probe() -> None:
    assert check_qr_decoder().status is Status.OK


def test_doctor_command_exit_code_follows_the_interfaces(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "ui.cli", "doctor", "--json", "--keystore",
                             str(tmp_path / "none")], cwd=REPO, capture_output=True, text=True,
                            check=False, timeout=60)
    findings = {item["check"]: item for item in json.loads(result.stdout)}
    sys_class = Path("/sys/class")
    present = {f"{kind}/{entry.name}" for kind in ("net", "bluetooth", "rfkill")
               if (sys_class / kind).is_dir() for entry in (sys_class / kind).iterdir()}
    intact = present <= {"net/lo"}
    assert result.returncode == (0 if intact else 1)
    assert findings["network"]["status"] == ("ok" if intact else "fail")
    assert findings["network guard"]["status"] == "ok"
    assert findings["secp256k1"]["detail"] == "libsecp256k1 (ctypes)"
