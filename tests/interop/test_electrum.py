"""Electrum 4.3.4 (Debian's python3-electrum) as the coordinator of a 2-of-3 P2WSH testnet
wallet with airsign as one cosigner, every step through Electrum's own code and airsign's
command line; each case is also seen to fail when it should.

Electrum's wizard builds the wallets from airsign's `xpub --format electrum` line and two
BIP-39 seeds; Electrum funds it with a fabricated transaction, makes the PSBT (with change),
shows it as its one base43 QR; airsign registers Electrum's wallet file, reviews, signs; a
second Electrum cosigner completes it; python-bitcointx's script interpreter runs every input.
"""

import base64
import json
from pathlib import Path

import pytest
from cli_kit import KEYSTORE_PASSPHRASE, create_keystore
from embit.transaction import Transaction
from independent.cosigners import MNEMONICS

from interop.electrum_kit import (
    ELECTRUM_VERSION,
    electrum,
    seed_cosigner,
    verify_inputs,
)
from interop.interop_kit import CoordinatorRefused, airsign

PAYEE = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"  # BIP-173's P2WPKH test address
FUNDING = 1_000_000
SEND = 300_000
RATE = 5  # sat/vB, given to Electrum's fee estimator
# Python-bitcointx and Debian's Electrum come with the other coordinators (`make interop`).
pytestmark = pytest.mark.usefixtures("coordinators")
# airsign's script type -> (Electrum's name for it, the BIP-48/45 testnet account path)
ELECTRUM_TYPES = {
    "p2wsh": ("p2wsh", "m/48'/1'/0'/2'"),
    "p2sh-p2wsh": ("p2wsh-p2sh", "m/48'/1'/0'/1'"),
    "p2sh": ("standard", "m/45'"),
}


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """airsign's testnet keystore for cosigner 0 of tests/independent (nothing registered)."""
    return create_keystore(tmp_path_factory.mktemp("airsign") / "keystore", MNEMONICS[0])


def run_airsign(keystore: Path, *argv: str) -> tuple[int, str, str]:
    done = airsign(*argv, keystore=keystore, passphrase=KEYSTORE_PASSPHRASE)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def key_line(keystore: Path, *options: str) -> str:
    code, out, err = run_airsign(keystore, "xpub", *options)
    assert code == 0, err
    return out.strip()


def master_key(index: int, script: str = "p2wsh") -> str:
    """What Electrum's wizard shows cosigner `index` (a BIP-39 seed) to hand to the others."""
    xtype, derivation = ELECTRUM_TYPES[script]
    cosigner = seed_cosigner(MNEMONICS[index], derivation, xtype)
    return electrum("master-key", {"cosigner": cosigner})["master_public_key"]


# --- Electrum itself ----------------------------------------------------------------------
def test_electrum_is_the_pinned_version_and_offline() -> None:
    assert electrum("version", {})["version"] == ELECTRUM_VERSION
    assert "internet socket" in electrum("network-check", {})["refused"]


# --- the cosigner key line ------------------------------------------------------------------
@pytest.mark.parametrize("script", ELECTRUM_TYPES)
def test_cosigner_dialog_takes_the_electrum_line(keystore: Path, script: str) -> None:
    xtype = ELECTRUM_TYPES[script][0]
    line = key_line(keystore, "--format", "electrum", "--script", script)
    answer = electrum("cosigner", {"keys": [master_key(1, script), line]})
    assert answer == {"accepted": 2, "error": "", "types": [xtype, xtype]}


def test_standard_wallet_takes_the_single_sig_line(keystore: Path) -> None:
    line = key_line(keystore, "--format", "electrum", "--script", "p2wpkh")
    answer = electrum("cosigner", {"wallet": "standard", "keys": [line]})
    assert answer == {"accepted": 1, "error": "", "types": ["p2wpkh"]}


@pytest.mark.parametrize("options", [(), ("--slip132",)])
def test_cosigner_dialog_refuses_the_lines_with_an_origin(keystore: Path,
                                                          options: tuple[str, ...]) -> None:
    line = key_line(keystore, *options)
    assert line.startswith("[")
    answer = electrum("cosigner", {"keys": [master_key(1), line]})
    assert answer["accepted"] == 1 and "does not accept this key" in answer["error"]


def test_cosigner_dialog_reads_a_bare_tpub_as_p2sh(keystore: Path) -> None:
    bare = key_line(keystore).split("]", 1)[1]
    answer = electrum("cosigner", {"keys": [master_key(1), bare]})
    assert answer["accepted"] == 1
    assert "Their key type is 'standard', we are 'p2wsh'" in answer["error"]


# --- the 2-of-3 round trip ------------------------------------------------------------------
def electrum_vault(keystore: Path, home: Path, script: str = "p2wsh",
                   name: str = "electrum") -> dict:
    """Electrum's watch-only coordinator wallet of airsign + cosigners 1 and 2, cosigner 2's
    own Electrum wallet (seed + the other two keys), funded and asked to pay PAYEE; airsign
    registers the coordinator's wallet file as `name`."""
    xtype, derivation = ELECTRUM_TYPES[script]
    line = key_line(keystore, "--format", "electrum", "--script", script)
    one, two = master_key(1, script), master_key(2, script)
    coordinator = electrum("create", {"home": str(home), "path": str(home / "coordinator"),
                                      "m": 2, "cosigners": [{"key": line}, {"key": one},
                                                            {"key": two}]})
    mine = seed_cosigner(MNEMONICS[2], derivation, xtype)
    second = electrum("create", {"home": str(home), "path": str(home / "cosigner2"), "m": 2,
                                 "cosigners": [mine, {"key": line}, {"key": one}]})
    assert second["receiving"] == coordinator["receiving"]  # one wallet, two Electrums
    assert coordinator["offline"] and second["offline"]
    funding = electrum("fund", {"home": str(home), "wallet": str(home / "coordinator"),
                                "label": f"interop funding {script}", "amount": FUNDING})
    request = electrum("pay", {"home": str(home), "wallet": str(home / "coordinator"),
                               "outputs": [[PAYEE, SEND]], "sat_per_vbyte": RATE})
    code, _, err = run_airsign(keystore, "wallet", "add", str(home / "coordinator"),
                               "--name", name)
    assert code == 0, err
    funded = Transaction.parse(bytes.fromhex(funding["hex"])).vout[0]  # embit, not Electrum
    spent = {f"{funding['txid']}:0": (funded.value, funded.script_pubkey.data.hex())}
    return {"home": home, "request": request, "spent": spent, "funding": funding}


@pytest.fixture(scope="module")
def vault(keystore: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The 2-of-3 P2WSH wallet of electrum_vault, registered on airsign as "electrum"."""
    return electrum_vault(keystore, tmp_path_factory.mktemp("electrum"))


def _write_psbt(path: Path, psbt_hex: str) -> Path:
    path.write_text(base64.b64encode(bytes.fromhex(psbt_hex)).decode() + "\n")
    return path


def _cosigner_2_signs(vault: dict, psbt_text: str, merge_into: str = "") -> dict:
    """Cosigner 2's Electrum loads psbt_text (after merging it into `merge_into`, the
    coordinator's copy, as its "Merge signatures from" does) and signs."""
    return electrum("sign", {"home": str(vault["home"]), "merge_into": merge_into,
                             "wallet": str(vault["home"] / "cosigner2"), "psbt": psbt_text})


def test_review_agrees_with_electrum(keystore: Path, vault: dict, tmp_path: Path) -> None:
    request = vault["request"]
    psbt = _write_psbt(tmp_path / "request.psbt", request["psbt"])
    code, out, err = run_airsign(keystore, "review", str(psbt), "--json")
    assert code == 0, err
    review = json.loads(out)
    assert review["fee"] == request["fee"] > 0
    assert [(o["address"], o["amount"], o["kind"] == "change") for o in review["outputs"]] == [
        (o["address"], o["amount"], o["change"]) for o in request["outputs"]]
    assert sorted(o["amount"] for o in review["outputs"]) == sorted([SEND, FUNDING - SEND
                                                                     - request["fee"]])
    assert all(i["ours"] and i["wallet"] == "electrum" for i in review["inputs"])
    assert not [w for w in review["warnings"] if w["severity"] == "danger"]


def _airsign_signs(keystore: Path, vault: dict, folder: Path) -> tuple[Path, Path]:
    """(Electrum's request, airsign's signed reply) as base64 PSBT files."""
    request = _write_psbt(folder / "request.psbt", vault["request"]["psbt"])
    signed = folder / "signed.psbt"
    code, _, err = run_airsign(keystore, "sign", str(request), "--yes", "--out", str(signed))
    assert code == 0, err
    return request, signed


def test_airsign_then_electrum_complete_the_spend(keystore: Path, vault: dict,
                                                  tmp_path: Path) -> None:
    request, signed = _airsign_signs(keystore, vault, tmp_path)
    done = _cosigner_2_signs(vault, signed.read_text().strip())
    assert done["complete"] and done["signatures_before"] == 1  # airsign's, then its own
    assert done["txid"] == vault["request"]["txid"]
    assert verify_inputs(done["tx"], vault["spent"]) == 1
    # Without airsign's signature the second cosigner alone cannot finish it.
    alone = _cosigner_2_signs(vault, request.read_text().strip())
    assert not alone["complete"] and (alone["signatures_before"], alone["signatures"]) == (0, 1)


def test_nested_segwit_wallet_round_trip(keystore: Path, tmp_path: Path) -> None:
    # The same with P2SH-P2WSH (Upub keys): Electrum's file, the review, the completion.
    nested = electrum_vault(keystore, tmp_path, "p2sh-p2wsh", "electrum nested")
    request, signed = _airsign_signs(keystore, nested, tmp_path)
    code, out, err = run_airsign(keystore, "review", str(request), "--json")
    assert code == 0, err
    review = json.loads(out)
    assert review["fee"] == nested["request"]["fee"]
    assert [o["kind"] == "change" for o in review["outputs"]] == [
        o["change"] for o in nested["request"]["outputs"]]
    assert all(i["wallet"] == "electrum nested" for i in review["inputs"])
    done = _cosigner_2_signs(nested, signed.read_text().strip())
    assert done["complete"] and done["txid"] == nested["request"]["txid"]
    assert verify_inputs(done["tx"], nested["spent"]) == 1


def test_a_corrupted_airsign_signature_fails_the_interpreter(keystore: Path, vault: dict,
                                                             tmp_path: Path) -> None:
    request, signed = _airsign_signs(keystore, vault, tmp_path)
    raw = bytearray(base64.b64decode(signed.read_text()))
    original = bytes(base64.b64decode(request.read_text()))
    # The one byte string airsign added is its signature: flip a bit inside its S value.
    start = next(i for i in range(len(original)) if raw[i] != original[i])
    sig_end = raw.index(b"\x01", start + 70)  # DER signature, then SIGHASH_ALL
    raw[sig_end - 5] ^= 0x01
    done = _cosigner_2_signs(vault, base64.b64encode(bytes(raw)).decode())
    assert done["complete"]  # Electrum finalizes what it is given...
    with pytest.raises(Exception, match="(?i)signature|script"):
        verify_inputs(done["tx"], vault["spent"])  # ...the interpreter refuses it


def test_airsign_refuses_a_wallet_without_its_key_and_a_psbt_of_another(
        keystore: Path, vault: dict, tmp_path: Path) -> None:
    home = tmp_path
    stranger = electrum("create", {"home": str(home), "path": str(home / "other"), "m": 2,
                                   "cosigners": [{"key": master_key(1)}, {"key": master_key(2)},
                                                 {"key": master_key(3)}]})
    assert stranger["receiving"]
    code, _, err = run_airsign(keystore, "wallet", "add", str(home / "other"), "--name", "x")
    assert code == 1 and "does not contain our key" in err
    electrum("fund", {"home": str(home), "wallet": str(home / "other"), "label": "other coin",
                      "amount": FUNDING})
    foreign = electrum("pay", {"home": str(home), "wallet": str(home / "other"),
                               "outputs": [[PAYEE, SEND]], "sat_per_vbyte": RATE})
    psbt = _write_psbt(tmp_path / "foreign.psbt", foreign["psbt"])
    code, _, err = run_airsign(keystore, "sign", str(psbt), "--yes", "--out",
                               str(tmp_path / "no.psbt"))
    # Refused (its change is someone else's, its input not ours), and nothing written.
    assert code == 1 and "not ours" in err and not (tmp_path / "no.psbt").exists()


# --- Electrum's one QR in, one QR back ------------------------------------------------------
def test_one_base43_qr_in_one_qr_back_read_by_electrum(keystore: Path, vault: dict,
                                                       tmp_path: Path) -> None:
    qr = vault["request"]["qr"]
    png = tmp_path / "electrum-request.png"
    electrum("qr-png", {"text": qr, "path": str(png)})
    code, out, err = run_airsign(keystore, "decode", str(png))
    assert code == 0, err
    frames = tmp_path / "reply"
    code, _, err = run_airsign(keystore, "sign", str(png), "--yes", "--qr-dir", str(frames))
    assert code == 0, err
    images = sorted(frames.iterdir())
    assert len(images) == 1, err  # one QR back, as the request was one
    read = electrum("read-qr", {"images": [str(images[0])]})
    (text,) = read["texts"]
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-./:")  # base43
    assert len(read["signatures"][0]) == 1  # airsign's signature, as Electrum parsed it
    assert "only our signatures" in err  # the signed PSBT outgrew the medium-density QR
    # The coordinator merges the signatures into its copy; cosigner 2 signs and finishes.
    done = _cosigner_2_signs(vault, text, merge_into=vault["request"]["psbt"])
    assert done["complete"] and done["txid"] == vault["request"]["txid"]
    assert verify_inputs(done["tx"], vault["spent"]) == 1


def test_electrum_refuses_a_damaged_reply(keystore: Path, vault: dict, tmp_path: Path) -> None:
    png = tmp_path / "electrum-request.png"
    electrum("qr-png", {"text": vault["request"]["qr"], "path": str(png)})
    frames = tmp_path / "reply"
    code, _, err = run_airsign(keystore, "sign", str(png), "--yes", "--qr-dir", str(frames))
    assert code == 0, err
    (text,) = electrum("read-qr", {"images": [str(next(frames.iterdir()))]})["texts"]
    damaged = text[:-12] + ("0" if text[-12] != "0" else "1") + text[-11:]
    with pytest.raises(CoordinatorRefused):
        _cosigner_2_signs(vault, damaged, merge_into=vault["request"]["psbt"])
