"""What `airsign` imports before it does its job: the appliance's first screen needs no
numpy, qrcode, zxing-cpp or OpenCV (seconds at boot on a Pi Zero 2 W)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "qrcode", "zxingcpp", "cv2", "pyzbar")

PROBE = """
import sys
from ui.cli import main
code = main(sys.argv[1:])
print(code, " ".join(m for m in {heavy!r} if m in sys.modules))
"""


def imported_by(tmp_path: Path, *argv: str) -> tuple[int, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
        capture_output=True, text=True, cwd=REPO, check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
             "AIRSIGN_KEYSTORE": str(tmp_path / "keystore")},
    )
    code, *modules = result.stdout.split()
    return int(code), modules


def test_run_shows_the_first_screen_without_heavy_imports(tmp_path: Path) -> None:
    script = tmp_path / "keys.txt"
    script.write_text("none\n")
    code, modules = imported_by(tmp_path, "run", "--display", f"png:{tmp_path / 'out'}",
                                "--input", f"script:{script}")
    assert code == 0 and (tmp_path / "out" / "0001.png").exists()
    assert modules == []

