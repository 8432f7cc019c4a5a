"""`airsign wallet ...` and `airsign address ...` end to end through the real dispatcher."""

import subprocess
import sys
from pathlib import Path

import pytest
from cli_kit import create_keystore, run_cli, use_keystore_copy
from conftest import REPO
from embit.descriptor import Descriptor
from wallet_kit import MNEMONICS, multisig_descriptor

from signer.network import Network

WALLET = multisig_descriptor()
REFERENCE = Descriptor.from_string(WALLET)


def _address(change: bool, index: int) -> str:
    return REFERENCE.derive(index, branch_index=int(change)).address(Network.TEST.params)


@pytest.fixture(scope="module")
def stored_keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real keystore for cosigner 0 on testnet; each test copies it."""
    return create_keystore(tmp_path_factory.mktemp("ks") / "keystore", MNEMONICS[0])


@pytest.fixture
def keystore(stored_keystore: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_keystore_copy(stored_keystore, tmp_path, monkeypatch)


@pytest.fixture
def wallet_file(tmp_path: Path) -> Path:
    path = tmp_path / "wallet.txt"
    path.write_text(WALLET + "\n")
    return path


def test_add_prints_policy_keys_and_first_address_then_lists(
    keystore, wallet_file, monkeypatch, capsys
) -> None:
    code, out, err = run_cli(
        monkeypatch, capsys, "wallet", "add", str(wallet_file), "--name", "Fam"
    )
    assert (code, err) == (0, "")
    assert "Policy: 2 of 3 (p2wsh, sortedmulti), network test" in out
    assert "73c5da0a  m/48h/1h/0h/2h  <- this device" in out
    assert out.count("<- this device") == 1
    assert f"Receive address 0: {_address(False, 0)}" in out
    assert "Registered wallet 'Fam'." in out

    code, out, _ = run_cli(monkeypatch, capsys, "wallet", "list")
    assert (code, out) == (0, "Fam\t2 of 3\tp2wsh\ttest\n")
    code, out, _ = run_cli(monkeypatch, capsys, "wallet", "show", "fam")
    assert code == 0 and "Descriptor: wsh(sortedmulti(2,[73c5da0a/48h/1h/0h/2h]tpub" in out


def test_add_from_stdin_and_refusals_exit_1(keystore, monkeypatch, capsys) -> None:
    code, _, _ = run_cli(monkeypatch, capsys, "wallet", "add", "-", stdin=WALLET.encode())
    assert code == 0
    code, out, err = run_cli(monkeypatch, capsys, "wallet", "add", "-", stdin=WALLET.encode())
    assert code == 1 and out == "" and "already registered" in err
    foreign = multisig_descriptor((1, 2, 3)).encode()
    code, _, err = run_cli(monkeypatch, capsys, "wallet", "add", "-", stdin=foreign)
    assert code == 1 and "does not contain our key" in err and err.count("\n") == 1
    code, _, err = run_cli(monkeypatch, capsys, "wallet", "add", "-", stdin=b"wsh(garbage)")
    assert code == 1 and err.startswith("airsign: ") and "Traceback" not in err


def test_wallet_of_another_network_is_refused_naming_both(keystore, monkeypatch, capsys) -> None:
    mainnet = multisig_descriptor(network=Network.MAIN).encode()
    code, out, err = run_cli(monkeypatch, capsys, "wallet", "add", "-", stdin=mainnet)
    assert (code, out) == (1, "") and err.count("\n") == 1
    assert "for the main network, the device is set to test" in err
    assert "airsign keystore settings --set network=main" in err
    # --network only says which test network a tpub wallet is for; it does not move the device
    code, _, err = run_cli(monkeypatch, capsys, "wallet", "add", "-", "--network", "signet",
                           stdin=WALLET.encode())
    assert code == 1 and "for the signet network, the device is set to test" in err
    assert run_cli(monkeypatch, capsys, "wallet", "list")[1].startswith("No wallets")


def test_usage_mistakes_exit_2(keystore, monkeypatch, capsys) -> None:
    assert run_cli(monkeypatch, capsys, "wallet", "add")[0] == 2
    assert run_cli(monkeypatch, capsys, "wallet", "list", "extra")[0] == 2
    assert run_cli(monkeypatch, capsys, "wallet", "show", "x", "--name", "y")[0] == 2
    assert run_cli(monkeypatch, capsys, "address", "verify")[0] == 2
    assert run_cli(monkeypatch, capsys, "address", "show", "--wallet", "x")[0] == 2
    assert run_cli(monkeypatch, capsys, "address", "verify", "tb1q", "--gap", "0")[0] == 2
    code, _, err = run_cli(monkeypatch, capsys, "wallet", "add", "/nonexistent/file")
    assert code == 2 and "cannot read" in err


def test_verify_show_and_remove(keystore, wallet_file, monkeypatch, capsys) -> None:
    run_cli(monkeypatch, capsys, "wallet", "add", str(wallet_file), "--name", "Fam")
    code, out, _ = run_cli(monkeypatch, capsys, "address", "verify", _address(True, 417))
    assert code == 0
    assert f"{_address(True, 417)} is ours: wallet 'Fam', change address 417" in out
    assert "Our key path: m/48h/1h/0h/2h/1/417" in out

    code, out, _ = run_cli(
        monkeypatch, capsys, "address", "show", "--wallet", "Fam", "--index", "5", "--change"
    )
    assert code == 0 and out.splitlines()[0] == _address(True, 5)

    code, out, err = run_cli(
        monkeypatch, capsys, "address", "verify", _address(False, 30), "--gap", "30"
    )
    assert (code, out) == (1, "") and "is not ours" in err

    main_address = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
    code, _, err = run_cli(monkeypatch, capsys, "address", "verify", main_address)
    assert code == 1 and "mainnet address" in err

    code, out, _ = run_cli(monkeypatch, capsys, "wallet", "remove", "FAM")
    assert (code, out) == (0, "Removed wallet 'Fam'.\n")
    code, _, err = run_cli(monkeypatch, capsys, "wallet", "show", "Fam")
    assert code == 1 and "no wallet named" in err


def test_not_ours_exit_code_from_a_real_process(keystore) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "address", "verify", _address(False, 3), "--gap", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "not ours" in result.stderr and result.stdout == ""
