"""The in-process air gap (signer/hygiene.py): run in child processes, because an audit hook,
once added, cannot be removed from the process that added it."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEST_MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon " \
                "abandon abandon about"


def run_python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, check=False,
                          text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env})


def test_full_sign_flow_runs_with_the_hook_and_a_socket_fails_loudly(tmp_path: Path) -> None:
    code = f"""
from pathlib import Path
from signer.hygiene import install
install()
from ui.demo.walkthrough import walk
result = walk(Path({str(tmp_path / "ks")!r}), print)
print("SIGNED", result.signed.signatures)
import socket
socket.socket(socket.AF_INET, socket.SOCK_STREAM)
print("UNREACHABLE")
"""
    result = run_python(code, tmp_path)
    assert "SIGNED 2" in result.stdout, result.stderr
    assert "UNREACHABLE" not in result.stdout
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(
        "airsign: internal error: AirGapViolation: network access refused (socket.__new__)")


def test_every_network_path_is_refused(tmp_path: Path) -> None:
    code = """
import ctypes, socket, urllib.request
from signer.hygiene import AirGapViolation, install
install()
attempts = {
    "unix socket": lambda: socket.socket(socket.AF_UNIX),
    "socketpair": lambda: socket.socketpair(),
    "dns": lambda: socket.getaddrinfo("example.com", 80),
    "gethostbyname": lambda: socket.gethostbyname("localhost"),
    "urllib": lambda: urllib.request.urlopen("http://127.0.0.1:9/"),
    "create_connection": lambda: socket.create_connection(("127.0.0.1", 9)),
    "ctypes libc connect": lambda: ctypes.CDLL(None).connect,
    "ctypes libc socket": lambda: ctypes.CDLL(None).socket,
}
for name, attempt in attempts.items():
    try:
        attempt()
    except AirGapViolation:
        print("refused", name)
    else:
        print("ALLOWED", name)
print("getpid still works", ctypes.CDLL(None).getpid() > 0)
"""
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ALLOWED" not in result.stdout
    assert result.stdout.count("refused") == 8
    assert "getpid still works True" in result.stdout


def test_cli_entry_point_installs_the_hook(tmp_path: Path) -> None:
    code = """
import socket, sys
from ui.cli import main
try:
    main(["seed", "--help"])
except SystemExit:
    pass
print("hook", sys.excepthook.__module__)
socket.socket()
"""
    result = run_python(code, tmp_path)
    assert "hook signer.hygiene" in result.stdout
    assert "AirGapViolation" in result.stderr and result.returncode == 1


def test_unexpected_error_shows_type_and_first_line_only(tmp_path: Path) -> None:
    code = f"""
from signer.hygiene import install
install()
def unlock(mnemonic={TEST_MNEMONIC!r}, passphrase="hunter2-secret"):
    raise ValueError("damaged input\\nsecond line with " + passphrase)
unlock()
"""
    result = run_python(code, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == ("airsign: internal error: ValueError: damaged input "
                                     "(set AIRSIGN_DEBUG=1 for a traceback)")
    debug = run_python(code, tmp_path, AIRSIGN_DEBUG="1")
    assert "Traceback (most recent call last)" in debug.stderr
    assert "second line with hunter2-secret" in debug.stderr


def test_unexpected_error_in_a_thread_is_quiet_too(tmp_path: Path) -> None:
    code = """
import threading
from signer.hygiene import install
install()
def work(passphrase="hunter2-secret"):
    raise KeyError(passphrase[:0] + "missing field")
thread = threading.Thread(target=work)
thread.start(); thread.join()
"""
    result = run_python(code, tmp_path)
    assert result.stderr.strip() == ("airsign: internal error: KeyError: 'missing field' "
                                     "(set AIRSIGN_DEBUG=1 for a traceback)")
    assert "hunter2" not in result.stderr


def test_no_core_dumps_and_quiet_unraisable_errors(tmp_path: Path) -> None:
    code = """
import gc, resource
from signer.hygiene import install
install()
print("core", resource.getrlimit(resource.RLIMIT_CORE))
class Holder:
    def __del__(self, passphrase="hunter2-secret"):
        raise RuntimeError("cleanup failed")
Holder()
gc.collect()
print("still running")
"""
    result = run_python(code, tmp_path)
    assert "core (0, 0)" in result.stdout and "still running" in result.stdout
    assert result.stderr.strip() == "airsign: ignored error: RuntimeError: cleanup failed"

