"""`airsign` as a Unix tool: fast help, global options anywhere they apply, quiet on a closed
pipe, one line without a display, and `wallet add` from every source `decode` reads."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import qrcode
from cli_kit import create_keystore, run_cli, use_keystore_copy
from conftest import REPO
from embit.descriptor import Descriptor
from framegen import MILD, camera_frame, write_frames_dir, write_video
from PIL import Image
from test_sign_cli import spend_psbt
from wallet_kit import MNEMONICS, multisig_descriptor

from signer.network import Network
from signer.transport.encoders import encode_frames
from signer.transport.types import Format, Payload, PayloadKind
from ui.cli import COMMANDS, KEYSTORE, NETWORK
from ui.qr.render import QRRenderer
from ui.scan.sources import frame_texts, write_qr_frames

WALLET = multisig_descriptor()
FIRST_ADDRESS = Descriptor.from_string(WALLET).derive(0, branch_index=0).address(
    Network.TEST.params)
HEAVY = ("numpy", "cv2", "zxingcpp", "pyzbar", "qrcode", "embit", "cryptography")


def airsign(*argv: str, stdout: int = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """`python -m ui.cli ARGV` in a fresh process (what a shell runs)."""
    return subprocess.run([sys.executable, "-m", "ui.cli", *argv], cwd=REPO, text=True,
                          stdout=stdout, stderr=subprocess.PIPE, timeout=120, check=False)


def test_help_imports_no_heavy_module() -> None:
    probe = ("import sys\nfrom ui.cli import main\ntry:\n    main(['--help'])\n"
             "except SystemExit as exit:\n    assert exit.code == 0\n"
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                            text=True, check=True)
    assert "COMMAND" in result.stdout and "wallet" in result.stdout
    assert result.stdout.splitlines()[-1] == ""  # not one of HEAVY was imported


def test_help_lists_every_command_module() -> None:
    modules = {p.stem.removeprefix("cmd_") for p in (REPO / "ui" / "cli").glob("cmd_*.py")}
    assert modules == set(COMMANDS)


@pytest.fixture(scope="module")
def stored_keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_keystore(tmp_path_factory.mktemp("ks") / "keystore", MNEMONICS[0])


@pytest.fixture
def keystore(stored_keystore: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = use_keystore_copy(stored_keystore, tmp_path, monkeypatch)
    monkeypatch.delenv("AIRSIGN_KEYSTORE")  # the tests name it on the line
    return path


def test_global_options_before_and_after_the_command(keystore, tmp_path, monkeypatch,
                                                     capsys) -> None:
    wallet = tmp_path / "wallet.txt"
    wallet.write_text(WALLET + "\n")
    code, out, err = run_cli(monkeypatch, capsys, "--keystore", str(keystore), "--network",
                             "test", "wallet", "add", str(wallet), "--name", "Fam")
    assert (code, err) == (0, "") and "Registered wallet 'Fam'." in out
    for argv in (("--keystore", str(keystore), "wallet", "list"),
                 ("wallet", "list", "--keystore", str(keystore)),
                 (f"--keystore={keystore}", "wallet", "list")):
        assert run_cli(monkeypatch, capsys, *argv) == (0, "Fam\t2 of 3\tp2wsh\ttest\n", "")
    # After the action of a command with actions, and before it.
    code, out, _ = run_cli(monkeypatch, capsys, "keystore", "info", "--keystore", str(keystore))
    assert code == 0 and str(keystore) in out
    code, out, _ = run_cli(monkeypatch, capsys, "--keystore", str(keystore), "keystore", "info")
    assert code == 0 and str(keystore) in out


@pytest.mark.parametrize("argv", [
    ("--network", "test", "decode", "x.png"),
    ("decode", "x.png", "--network", "test"),
    ("--keystore", "k", "encode", "x", "--format", "ur", "--gif", "x.gif"),
    ("encode", "x", "--format", "ur", "--gif", "x.gif", "--keystore", "k"),
    ("--network", "test", "run"),
])
def test_commands_that_ignore_a_global_option_refuse_it(argv, monkeypatch, capsys) -> None:
    with pytest.raises(SystemExit) as exit:
        run_cli(monkeypatch, capsys, *argv)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "does not apply" in err or "unrecognized arguments" in err


def test_the_table_says_which_commands_use_which_global_option() -> None:
    uses_keystore = {name for name, spec in COMMANDS.items() if KEYSTORE in spec.options}
    uses_network = {name for name, spec in COMMANDS.items() if NETWORK in spec.options}
    assert {"wallet", "sign", "review", "xpub", "run"} <= uses_keystore
    assert {"decode", "encode", "demo", "selftest"}.isdisjoint(uses_keystore | uses_network)
    assert uses_network <= uses_keystore


def test_output_into_a_closed_pipe_ends_quietly(vault_keystore, tmp_path) -> None:
    source = tmp_path / "spend.psbt"
    source.write_bytes(base64.b64encode(spend_psbt()))
    # decode says on stderr what it read, before the payload goes to stdout.
    for argv, said in ((("review", str(source), "--json"), ""),
                       (("decode", "--text", str(source)), "psbt (single, base64)\n")):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader is gone before the first byte (`| head -0`)
        try:
            result = airsign(*argv, stdout=write_end)
        finally:
            os.close(write_end)
        assert (result.returncode, result.stderr) == (1, said), argv


def test_run_without_a_display_says_so_in_one_line(tmp_path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    result = subprocess.run([sys.executable, "-m", "ui.cli", "run", "--keystore",
                             str(tmp_path / "keystore")], cwd=REPO, text=True,
                            capture_output=True, timeout=60, check=False, env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "$DISPLAY" in result.stderr


def test_run_help_names_the_networked_desktop_flag() -> None:
    result = airsign("run", "--help")
    assert result.returncode == 0 and "--dev-allow-network" in result.stdout
    assert "networked desktop" in result.stdout
    assert "--dev-allow-network" in (REPO / "README.md").read_text()


def _qrcode_package_png(text: str, path: Path) -> Path:
    """One QR code drawn by an encoder that is not ours (python-qrcode)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, box_size=4)
    code.add_data(text)
    code.make(fit=True)
    code.make_image().save(path)
    return path


def _wallet_sources(kind: str, tmp_path: Path) -> list[str]:
    """The wallet descriptor as QR codes in the form `kind` of source."""
    if kind == "image":
        return [str(_qrcode_package_png(WALLET, tmp_path / "wallet.png"))]
    frames = encode_frames(Payload(PayloadKind.DESCRIPTOR, WALLET, Format.SINGLE), Format.BBQR,
                           density="low")
    assert len(frames.frames) > 1  # an animated sequence
    if kind == "gif":
        write_qr_frames(frames, gif=tmp_path / "wallet.gif")
        return [str(tmp_path / "wallet.gif")]
    if kind == "images":
        write_qr_frames(frames, frames_dir=tmp_path / "png")
        return sorted(str(p) for p in (tmp_path / "png").iterdir())
    renderer = QRRenderer(480, version=frames.qr_version)
    shots = [camera_frame(renderer.render(text), MILD, seed) for seed, text in
             enumerate(frame_texts(frames))]
    if kind == "directory":
        write_frames_dir(shots, tmp_path / "shots")
        return [str(tmp_path / "shots")]
    return [str(write_video(shots, tmp_path / "wallet.avi"))]


@pytest.mark.parametrize("kind", ["image", "images", "gif", "directory", "video"])
def test_wallet_add_reads_what_decode_reads(kind, keystore, tmp_path, monkeypatch,
                                            capsys) -> None:
    sources = _wallet_sources(kind, tmp_path)
    # The sources after the options, as a shell glob puts them.
    code, out, err = run_cli(monkeypatch, capsys, "wallet", "add", "--name", "Fam",
                             "--keystore", str(keystore), *sources)
    assert (code, err) == (0, "")
    assert "73c5da0a  m/48h/1h/0h/2h  <- this device" in out
    assert f"Receive address 0: {FIRST_ADDRESS}" in out


def test_wallet_add_from_a_text_file_of_qr_parts(keystore, tmp_path, monkeypatch,
                                                 capsys) -> None:
    frames = encode_frames(Payload(PayloadKind.DESCRIPTOR, WALLET, Format.SINGLE), Format.UR,
                           density="low")
    parts = tmp_path / "parts.txt"
    parts.write_text("\n".join(str(f) for f in frames.frames) + "\n")
    code, out, _ = run_cli(monkeypatch, capsys, "wallet", "add", str(parts),
                           "--keystore", str(keystore))
    assert code == 0 and f"Receive address 0: {FIRST_ADDRESS}" in out


def test_wallet_add_refuses_qr_codes_of_something_else(keystore, tmp_path, monkeypatch,
                                                       capsys) -> None:
    image = QRRenderer(480).render(base64.b64encode(spend_psbt()).decode())
    Image.fromarray(np.asarray(image)).save(tmp_path / "psbt.png")
    code, out, err = run_cli(monkeypatch, capsys, "wallet", "add", str(tmp_path / "psbt.png"),
                             "--keystore", str(keystore))
    assert (code, out) == (1, "") and "not a wallet: the QR codes hold a psbt" in err
    code, _, err = run_cli(monkeypatch, capsys, "wallet", "add", str(tmp_path / "psbt.png"),
                           "notes.txt", "--keystore", str(keystore))
    assert code == 2 and "notes.txt" in err


def test_bootstrap_says_what_it_installs(tmp_path) -> None:
    """scripts/bootstrap.sh (make demo / make test) on a checkout whose .venv has nothing
    installed yet: it says each step and lets pip show its progress (no -q on the install).
    A stand-in .venv/bin/python records what pip was asked to do."""
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "bootstrap.sh"
    script.write_text((REPO / "scripts" / "bootstrap.sh").read_text())
    script.chmod(0o755)
    for name in ("pyproject.toml", "requirements.txt"):
        (tmp_path / name).write_text("")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\necho "pip $*"\n')
    python.chmod(0o755)
    # The system libraries present (so nothing goes to apt-get), listed as ldconfig does.
    ldconfig = tmp_path / "bin" / "ldconfig"
    ldconfig.parent.mkdir()
    ldconfig.write_text("#!/bin/sh\n" + "".join(
        f"echo '\t{lib} (libc6,x86-64) => /usr/lib/{lib}'\n"
        for lib in ("libzbar.so.0", "libGL.so.1", "libglib-2.0.so.0")))
    ldconfig.chmod(0o755)
    env = {**os.environ, "PATH": f"{ldconfig.parent}:{os.environ['PATH']}"}
    result = subprocess.run([str(script)], cwd=tmp_path, text=True, capture_output=True,
                            timeout=60, check=True, env=env)
    lines = result.stdout.splitlines()
    assert lines[0] == "bootstrap: installing the Python packages into .venv"
    install = [line for line in lines if line.startswith("pip -m pip install") and "-e" in line]
    assert install and "-q" not in install[0].split()
    assert lines[-1] == "bootstrap: .venv is ready"
    rerun = subprocess.run([str(script)], cwd=tmp_path, text=True, capture_output=True,
                           timeout=60, check=True, env=env)
    assert rerun.stdout == ""  # idempotent: nothing to do, nothing said
