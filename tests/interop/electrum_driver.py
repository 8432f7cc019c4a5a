"""Electrum as a coordinator, headless: run by the SYSTEM python3 (Debian's python3-electrum),
never by the project's .venv, and never imported by the tests (they run it as a process).

    /usr/bin/python3 tests/interop/electrum_driver.py COMMAND  < request.json  > answer.json

Every step goes through Electrum's own code: its install wizard (BaseWizard, with scripted
answers where the Qt dialogs would ask), its keystores, wallet files, coin chooser, PSBT
writer, base43 QR text, QR reader (libzbar through its ctypes wrapper) and signer. Electrum
refusing something exits 1 with its message as the last line on stderr.

Offline: testnet constants, no daemon, no network object, and an audit hook that refuses
every internet socket, DNS look-up and connection before Electrum is imported.
"""

import contextlib
import ctypes
import hashlib
import json
import os
import socket
import sys
import tempfile

_INTERNET = (socket.AF_INET, socket.AF_INET6)


def _refuse_network(event: str, args: tuple) -> None:
    if event == "socket.__new__" and len(args) > 1 and args[1] in _INTERNET:
        raise PermissionError("electrum_driver: an internet socket was opened")
    if event in ("socket.connect", "socket.bind", "socket.getaddrinfo", "socket.sendto"):
        raise PermissionError(f"electrum_driver: {event} refused (offline)")


sys.addaudithook(_refuse_network)

from electrum import constants, util  # noqa: E402  (after the hook, on purpose)
from electrum.base_wizard import BaseWizard  # noqa: E402
from electrum.bip32 import xpub_type  # noqa: E402
from electrum.daemon import get_lockfile  # noqa: E402
from electrum.plugin import Plugins  # noqa: E402
from electrum.qrreader import get_qr_reader  # noqa: E402
from electrum.simple_config import SimpleConfig  # noqa: E402
from electrum.storage import WalletStorage  # noqa: E402
from electrum.transaction import (  # noqa: E402
    PartialTransaction,
    PartialTxInput,
    PartialTxOutput,
    Transaction,
    TxOutpoint,
    tx_from_any,
)
from electrum.wallet import Wallet  # noqa: E402

constants.set_testnet()


class Refused(Exception):
    """Electrum said no (a dialog kept OK disabled, or the wizard showed an error)."""


class OutOfAnswers(Exception):
    """The wizard asks its next question: every scripted answer was taken."""


def _config(home: str) -> SimpleConfig:
    return SimpleConfig({"electrum_path": home, "offline": True, "auto_connect": False})


class ScriptedWizard(BaseWizard):
    """Electrum's own wizard logic with the dialogs answered from a list, as a user would
    answer them in the Qt wizard. A validator that rejects the text (the Qt dialog keeps its
    OK button disabled) or a shown error ends the run with Refused."""

    def __init__(self, config: SimpleConfig, answers: list) -> None:
        super().__init__(config, Plugins(config, "cmdline"))
        self.answers = list(answers)
        self.shown_xpubs: list[str] = []
        self.done = False

    def _next(self):
        if not self.answers:
            raise OutOfAnswers
        return self.answers.pop(0)

    def choice_dialog(self, *, title, message, choices, run_next):
        answer = self._next()
        if answer not in [key for key, _ in choices]:
            raise Refused(f"{answer!r} is not offered: {[key for key, _ in choices]}")
        run_next(answer)

    def multisig_dialog(self, run_next):
        m, n = self._next()
        run_next(m, n)

    def _text(self, run_next, is_valid):
        text = self._next()
        if not is_valid(text):
            raise Refused(f"Electrum does not accept this key: {text[:40]}")
        run_next(text)

    def add_cosigner_dialog(self, run_next, index, is_valid):
        self._text(run_next, is_valid)

    def add_xpub_dialog(self, *, title, message, is_valid, run_next, allow_multi=False,
                        show_wif_help=False):
        self._text(run_next, is_valid)

    def restore_seed_dialog(self, run_next, test):
        seed, seed_type = self._next()
        if seed_type == "electrum" and not test(seed):
            raise Refused("Electrum does not accept this seed")
        run_next(seed, seed_type, False)

    def derivation_and_script_type_dialog(self, run_next, *, get_account_xpub=None):
        derivation, script_type = self._next()
        run_next(derivation, script_type)

    def show_xpub_dialog(self, *, xpub, run_next):
        self.shown_xpubs.append(xpub)
        run_next(None)

    def show_error(self, msg):
        raise Refused(str(msg).replace("\n", " "))

    def request_password(self, run_next, force_disable_encrypt_cb=False):
        run_next(None, False)  # no password: the wallet file stays readable JSON

    def terminate(self, **kwargs):
        self.done = True


def _run_wizard(config: SimpleConfig, answers: list) -> ScriptedWizard:
    wizard = ScriptedWizard(config, answers)
    wizard.run("new")
    if not wizard.done:
        raise Refused("the wizard did not finish")
    return wizard


def _cosigner_answers(cosigner: dict) -> list:
    """The wizard's questions for one keystore: a typed key, an Electrum seed or a BIP-39
    seed with its derivation and script type."""
    if "key" in cosigner:
        return ["restore_from_key", cosigner["key"]]
    if "electrum_seed" in cosigner:
        return ["restore_from_seed", (cosigner["electrum_seed"], "electrum")]
    return ["restore_from_seed", (cosigner["bip39_seed"], "bip39"),
            (cosigner["derivation"], cosigner["script_type"])]


def cmd_cosigner(request: dict) -> dict:
    """Type `keys` into the wizard of a new M-of-N (or standard) wallet, one after the other,
    as the cosigner dialog receives them; what Electrum made of each."""
    with tempfile.TemporaryDirectory() as home:
        config = _config(home)
        if request.get("wallet", "multisig") == "standard":
            answers = ["standard", "restore_from_key", request["keys"][0]]
        else:
            answers = ["multisig", (request.get("m", 2), request.get("n", len(request["keys"])))]
            for key in request["keys"]:
                answers += ["restore_from_key", key]
        wizard = ScriptedWizard(config, answers)
        error = ""
        try:
            wizard.run("new")
        except Refused as refusal:
            error = str(refusal)
        except OutOfAnswers:
            pass  # every key was taken; the wizard asks for the next cosigner or a password
        return {"accepted": len(wizard.keystores), "error": error,
                "types": [xpub_type(k.xpub) for k in wizard.keystores]}


def cmd_master_key(request: dict) -> dict:
    """The master public key the multisig wizard shows after the first keystore (`cosigner`:
    a seed or a key), the text its user hands to the other cosigners."""
    with tempfile.TemporaryDirectory() as home:
        answers = ["multisig", (2, 3), *_cosigner_answers(request["cosigner"])]
        wizard = ScriptedWizard(_config(home), answers)
        with contextlib.suppress(OutOfAnswers):  # the wizard now asks for cosigner 2
            wizard.run("new")
        if not wizard.shown_xpubs:
            raise Refused("the wizard showed no master public key")
        return {"master_public_key": wizard.shown_xpubs[0]}


def _open(path: str, home: str) -> Wallet:
    config = _config(home)
    return Wallet(_storage_db(path), WalletStorage(path), config=config)


def _storage_db(path: str):
    from electrum.wallet_db import WalletDB

    storage = WalletStorage(path)
    return WalletDB(storage.read(), manual_upgrades=False)


def cmd_create(request: dict) -> dict:
    """A wallet file made by the wizard: M-of-N from `cosigners` (keys and seeds)."""
    home = request["home"]
    config = _config(home)
    answers: list = ["multisig", (request["m"], len(request["cosigners"]))]
    for cosigner in request["cosigners"]:
        answers += _cosigner_answers(cosigner)
    wizard = _run_wizard(config, answers)
    storage, db = wizard.create_storage(request["path"])
    wallet = Wallet(db, storage, config=config)
    wallet.synchronize()
    wallet.save_db()
    return {
        # offline: no network object, and no daemon ever started (it would leave its lockfile)
        "offline": wallet.network is None and not os.path.exists(get_lockfile(config)),
        "master_public_keys": [k.get_master_public_key() for k in wallet.get_keystores()],
        "receiving": wallet.get_receiving_addresses()[:5],
        "change": wallet.get_change_addresses()[:5],
    }


def cmd_fund(request: dict) -> dict:
    """A fabricated transaction paying `amount` to the wallet's first receive address, from a
    made-up prevout (never broadcast: it only gives the wallet a coin to spend offline)."""
    wallet = _open(request["wallet"], request["home"])
    address = wallet.get_receiving_addresses()[request.get("index", 0)]
    prevout = TxOutpoint(txid=hashlib.sha256(request["label"].encode()).digest(), out_idx=0)
    funding = PartialTransaction.from_io(
        [PartialTxInput(prevout=prevout)],
        [PartialTxOutput.from_address_and_value(address, request["amount"])],
        locktime=0, version=2)
    tx = Transaction(funding.serialize_to_network(include_sigs=False))
    if not wallet.adb.add_transaction(tx):
        raise Refused("Electrum did not take the funding transaction")
    wallet.save_db()
    return {"txid": tx.txid(), "address": address, "hex": tx.serialize()}


def cmd_pay(request: dict) -> dict:
    """The unsigned PSBT Electrum's Send tab makes (coin chooser, change address, the given
    fee rate), as its file export (base64) and its QR text (base43, `to_qr_data`)."""
    wallet = _open(request["wallet"], request["home"])
    outputs = [PartialTxOutput.from_address_and_value(address, amount)
               for address, amount in request["outputs"]]
    rate = request["sat_per_vbyte"]
    tx = wallet.make_unsigned_transaction(coins=wallet.get_spendable_coins(None),
                                          outputs=outputs, fee=lambda size: rate * size)
    tx.set_rbf(True)
    return {"psbt": tx.serialize_as_bytes().hex(), "qr": tx.to_qr_data(), **_view(wallet, tx)}


def _view(wallet: Wallet, tx: PartialTransaction) -> dict:
    """What Electrum's transaction dialog shows: outputs with change marked, the fee."""
    return {
        "outputs": [{"address": o.address, "amount": o.value,
                     "change": bool(o.address and wallet.is_change(o.address))}
                    for o in tx.outputs()],
        "inputs": [{"prevout": i.prevout.to_str(), "amount": i.value_sats()}
                   for i in tx.inputs()],
        "fee": tx.get_fee(),
        "txid": tx.txid(),
    }


def _load(text: str) -> PartialTransaction:
    tx = tx_from_any(text)
    if not isinstance(tx, PartialTransaction):
        raise Refused("not a PSBT")
    return tx


def cmd_sign(request: dict) -> dict:
    """A cosigner's Electrum loads the PSBT (any text Electrum reads: base64, hex, base43);
    with `merge_into`, the loaded PSBT's signatures are merged into that one first (the
    dialog's "Merge signatures from"); then it signs what its keystore can."""
    wallet = _open(request["wallet"], request["home"])
    tx = _load(request["psbt"])
    if request.get("merge_into"):
        base = _load(request["merge_into"])
        base.combine_with_other_psbt(tx)
        tx = base
    tx.add_info_from_wallet(wallet)
    had = _signature_count(tx)
    wallet.sign_transaction(tx, None)
    if tx.is_complete():  # finalized: the partial signatures are now in the witness
        return {"complete": True, "signatures_before": had, "tx": tx.serialize(),
                "txid": tx.txid(), **_view(wallet, tx)}
    return {"complete": False, "signatures_before": had,
            "signatures": _signature_count(tx), "psbt": tx.serialize_as_bytes().hex()}


def _signature_count(tx: PartialTransaction) -> int:
    return sum(len(txin.part_sigs) for txin in tx.inputs())


def cmd_read_qr(request: dict) -> dict:
    """Each PNG through Electrum's QR reader (libzbar via its ctypes wrapper, fed a greyscale
    buffer as its camera dialog does), then the text through tx_from_any as its "Read QR
    code" menu does; the PSBT as Electrum parsed it."""
    from PIL import Image

    reader = get_qr_reader()
    texts = []
    for path in request["images"]:
        image = Image.open(path).convert("L")
        buffer = image.tobytes()
        results = reader.read_qr_code(ctypes.create_string_buffer(buffer, len(buffer)),
                                      len(buffer), image.width, image.width, image.height)
        if len(results) != 1:
            raise Refused(f"Electrum's QR reader found {len(results)} QR codes in {path}")
        texts.append(results[0].data)
    tx = _load(texts[0])
    return {"texts": texts,
            "signatures": [{pk.hex(): sig.hex() for pk, sig in txin.part_sigs.items()}
                           for txin in tx.inputs()],
            "psbt": tx.serialize_as_bytes(force_psbt=True).hex()}


def cmd_qr_png(request: dict) -> dict:
    """Electrum's transaction QR as a PNG: the text `to_qr_data` gives, drawn with the
    settings of Electrum's QRCodeWidget (python3-qrcode, error correction L), 6 px a module
    and a 4-module margin as on a screen."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, box_size=6, border=4)
    qr.add_data(request["text"])
    qr.make_image().save(request["path"])
    return {"version": qr.version}


def cmd_version(_request: dict) -> dict:
    from electrum.version import ELECTRUM_VERSION

    return {"version": ELECTRUM_VERSION}


def cmd_network_check(_request: dict) -> dict:
    """Proof that the hook is live: opening an internet socket here must be refused."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError as refusal:
        return {"refused": str(refusal)}
    return {"refused": ""}


COMMANDS = {
    "cosigner": cmd_cosigner,
    "master-key": cmd_master_key,
    "create": cmd_create,
    "fund": cmd_fund,
    "pay": cmd_pay,
    "sign": cmd_sign,
    "read-qr": cmd_read_qr,
    "qr-png": cmd_qr_png,
    "version": cmd_version,
    "network-check": cmd_network_check,
}


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: electrum_driver.py {{{','.join(COMMANDS)}}} < request.json",
              file=sys.stderr)
        return 2
    request = json.loads(sys.stdin.read() or "{}")
    # Electrum's wallets expect its asyncio loop (a thread with a local socketpair, as its own
    # scripts start it); nothing here gives it a network to talk to.
    loop, stopping, thread = util.create_and_start_event_loop()
    try:
        answer = COMMANDS[sys.argv[1]](request)
    except Exception as refusal:  # noqa: BLE001  (Electrum's own errors: one line, exit 1)
        print(f"electrum refused: {type(refusal).__name__}: {refusal}", file=sys.stderr)
        return 1
    finally:
        loop.call_soon_threadsafe(stopping.set_result, 1)
        thread.join(timeout=10)
    json.dump(answer, sys.stdout)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HOME", tempfile.gettempdir())
    sys.exit(main())
