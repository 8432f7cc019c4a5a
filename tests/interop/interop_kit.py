"""Running the real coordinator code of the interop suite: node scripts in tests/interop/js
(JSON in on stdin, JSON out on stdout) and airsign's own command line, each as a process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import zxingcpp
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
JS = REPO / "tests" / "interop" / "js"
INSTALL = REPO / "scripts" / "interop-deps.sh"


class CoordinatorRefused(Exception):
    """The coordinator code exited non-zero: it refused what it was given (message: its
    stderr's last line)."""


def install_coordinators() -> None:
    """Node.js and the pinned npm libraries, as `make interop` installs them; a failure is
    a test failure with the installer's own message, never a skip."""
    result = subprocess.run([str(INSTALL)], capture_output=True, text=True, check=False)
    if result.returncode:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["(no output)"]
        raise RuntimeError(f"interop: cannot install the coordinator libraries: {lines[-1]}")


def node(script: str, command: str, request: object = None, *args: str) -> object:
    """`node js/SCRIPT COMMAND ARGS` with `request` as JSON on stdin; its JSON answer."""
    result = subprocess.run(
        ["node", str(JS / script), command, *args], input=json.dumps(request),
        capture_output=True, text=True, cwd=JS, check=False, timeout=120)
    if result.returncode:
        lines = result.stderr.strip().splitlines() or ["(no message)"]
        raise CoordinatorRefused(lines[-1])
    return json.loads(result.stdout)


def airsign(*argv: str, keystore: Path | None = None, passphrase: str | None = None,
            stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The airsign command line as a user runs it (a fresh process, its real exit code)."""
    env = dict(os.environ)
    if keystore is not None:
        env["AIRSIGN_KEYSTORE"] = str(keystore)
    if passphrase is not None:
        env["AIRSIGN_PASSPHRASE"] = passphrase
    return subprocess.run([sys.executable, "-m", "ui.cli", *argv], input=stdin,
                          capture_output=True, cwd=REPO, env=env, check=False, timeout=300)


def read_qr_frames(paths: list[Path]) -> list[str]:
    """The text of the one QR code in each image, read with zxing-cpp directly (a QR reader
    plays the coordinator's camera here; airsign's own scan pipeline is not involved)."""
    texts = []
    for path in paths:
        with Image.open(path) as image:
            found = zxingcpp.read_barcodes(image.convert("L"))
        assert len(found) == 1, f"{path.name}: {len(found)} QR codes"
        texts.append(found[0].text)
    return texts


def read_gif_frames(path: Path) -> list[str]:
    """The distinct QR texts of an animated GIF's frames, in order."""
    texts: list[str] = []
    with Image.open(path) as animation:
        for index in range(getattr(animation, "n_frames", 1)):
            animation.seek(index)
            found = zxingcpp.read_barcodes(animation.convert("L"))
            assert len(found) == 1, f"{path.name} frame {index}: {len(found)} QR codes"
            if found[0].text not in texts:
                texts.append(found[0].text)
    return texts


def airsign_wallet_export(descriptor: str, qr_format: str, workdir: Path) -> list[str]:
    """`airsign encode --format QR_FORMAT` of a wallet descriptor file: its frames' texts."""
    source = workdir / "wallet.txt"
    source.write_text(descriptor + "\n")
    frames = workdir / "wallet-frames"
    result = airsign("encode", "--format", qr_format, str(source), "--frames-dir", str(frames))
    assert result.returncode == 0, result.stderr.decode()
    return read_qr_frames(sorted(frames.glob("*.png")))
