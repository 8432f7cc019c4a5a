"""`airsign review` and `airsign sign` end to end through the real dispatcher and keystore."""

import base64
import json

from cli_kit import VAULT, run_cli  # and the vault_keystore fixture (tests/conftest.py)
from independent.coordinator import Pay, Spend, build_psbt, external_script, make_wallet

from signer.psbt import load_psbt, serialize_psbt


def spend_psbt(*, forged_change: bool = False) -> bytes:
    change = (Pay(40_000, external_script("thief"), derivations=VAULT.derivations(True, 1))
              if forged_change else Pay(40_000, wallet=VAULT, change=True, index=1))
    return build_psbt([Spend(VAULT, False, 0, 1_234_567)],
                      [Pay(1_193_567, external_script()), change]).serialize()


def test_review_human_and_json(vault_keystore, tmp_path, monkeypatch, capsys) -> None:
    source = tmp_path / "spend.psbt"
    source.write_bytes(base64.b64encode(spend_psbt()))
    code, out, err = run_cli(monkeypatch, capsys, "review", str(source))
    assert (code, err) == (0, "")
    assert "1,234,567" in out or "0.01234567 BTC" in out
    assert "change" in out and "SEND" in out and "Fee:" in out and "sat/vB" in out
    code, out, _ = run_cli(monkeypatch, capsys, "review", "-", "--json",
                       stdin=spend_psbt().hex().encode())
    data = json.loads(out)
    assert code == 0 and data["fee"] == 1_000 and data["network"] == "test"
    assert [o["kind"] for o in data["outputs"]] == ["external", "change"]
    assert data["inputs"][0]["ours"] and data["inputs"][0]["wallet"] == "vault"


def test_review_names_a_danger_as_the_device_does(vault_keystore, monkeypatch,
                                                   capsys) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, "review", "-",
                           stdin=spend_psbt(forged_change=True).hex().encode())
    assert code == 0
    assert "  #2  SEND" in out  # the forged change: output 2 of 2, a payment
    assert ("DANGER  [fake-change] Output 2/2 · 0.00040000 BTC: it claims to be our change"
            in out)  # the amount in the keystore's units (BTC by default)


def test_sign_keeps_encoding_and_signs(vault_keystore, tmp_path, monkeypatch, capsys) -> None:
    original = spend_psbt()
    for encode in (base64.b64encode, lambda raw: raw.hex().encode()):
        code, out, err = run_cli(monkeypatch, capsys, "sign", "-", "--yes", stdin=encode(original))
        assert code == 0, err
        assert "Signed input(s) 1/1: 1 signature(s)." in err  # numbered as on the device
        signed = load_psbt(out.strip())
        assert out.strip().encode()[:4] == encode(original)[:4]  # same encoding back
        assert len(signed.inputs[0].partial_sigs) == 1
    source, target = tmp_path / "in.psbt", tmp_path / "out.psbt"
    source.write_bytes(original)
    code, out, _ = run_cli(monkeypatch, capsys, "sign", str(source), "--yes", "--out", str(target))
    assert code == 0 and out == ""
    assert target.read_bytes().startswith(b"psbt\xff")
    assert len(load_psbt(target.read_bytes()).inputs[0].partial_sigs) == 1


def test_sigs_only(vault_keystore, monkeypatch, capsys) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, "sign", "-", "--yes", "--sigs-only",
                       stdin=base64.b64encode(spend_psbt()))
    small = load_psbt(out.strip())
    assert code == 0 and len(small.inputs[0].partial_sigs) == 1
    assert small.inputs[0].witness_utxo is None and not small.outputs[1].bip32_derivations


def test_danger_refused_then_allowed(vault_keystore, monkeypatch, capsys) -> None:
    data = base64.b64encode(spend_psbt(forged_change=True))
    code, out, err = run_cli(monkeypatch, capsys, "sign", "-", "--yes", stdin=data)
    last = err.strip().splitlines()[-1]
    assert code == 1 and out == ""
    assert last.startswith("airsign: refusing to sign:") and "--allow fake-change" in last
    code, out, err = run_cli(monkeypatch, capsys, "sign", "-", "--yes", "--allow", "fake-change",
                         stdin=data)
    assert code == 0 and load_psbt(out.strip()).inputs[0].partial_sigs


def test_confirmation_needs_a_terminal(vault_keystore, monkeypatch, capsys) -> None:
    code, out, err = run_cli(monkeypatch, capsys, "sign", "-", stdin=base64.b64encode(spend_psbt()))
    assert code == 2 and out == "" and "--yes" in err


def test_usage_and_bad_input(vault_keystore, tmp_path, monkeypatch, capsys) -> None:
    code, _, err = run_cli(monkeypatch, capsys, "sign", "-", "--yes", "--allow", "everything")
    assert code == 2 and "unknown warning code" in err
    code, _, err = run_cli(monkeypatch, capsys, "sign", "-", "--yes", "--allow",
                           "missing-previous-tx")
    assert code == 2 and "cannot be overridden" in err
    garbage = tmp_path / "garbage.psbt"
    garbage.write_text("definitely not a psbt")
    code, out, err = run_cli(monkeypatch, capsys, "review", str(garbage))
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(monkeypatch, capsys, "review", str(tmp_path / "missing.psbt"))
    assert code == 2 and "cannot read" in err


def test_nothing_to_sign(vault_keystore, monkeypatch, capsys) -> None:
    strangers = make_wallet(cosigners=(1, 2, 3))
    data = build_psbt([Spend(strangers, False, 0, 50_000)],
                      [Pay(49_000, external_script())]).serialize()
    code, out, err = run_cli(monkeypatch, capsys, "sign", "-", "--yes",
                         stdin=base64.b64encode(data))
    assert code == 1 and out == "" and "nothing to sign" in err


def test_invalid_signature_of_ours_is_replaced_and_said(vault_keystore, monkeypatch,
                                                       capsys) -> None:
    psbt = load_psbt(spend_psbt())
    ours = next(pub for pub, der in psbt.inputs[0].bip32_derivations.items()
                if der.fingerprint == VAULT.wallet.keys[0].fingerprint)
    psbt.add_partial_sig(0, ours.sec(), bytes.fromhex("3006020101020101") + b"\x01")
    code, out, _ = run_cli(monkeypatch, capsys, "review", "-",
                           stdin=base64.b64encode(serialize_psbt(psbt)))
    fingerprint = VAULT.wallet.keys[0].fingerprint.hex()
    assert code == 0 and f"not counted (do not verify): {fingerprint}" in out
    assert "signed by: nobody yet" in out
    code, out, err = run_cli(monkeypatch, capsys, "sign", "-", "--yes",
                         stdin=base64.b64encode(serialize_psbt(psbt)))
    assert code == 0, err
    assert "input 1: replaced a signature under our key that did not verify" in err
    assert load_psbt(out.strip()).inputs[0].partial_sigs[ours] != psbt.inputs[0].partial_sigs[ours]
