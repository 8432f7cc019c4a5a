#!/usr/bin/env python3
"""Read what the guest's appliance showed and check it without embit.

The guest dumps every screen its recorder display drew (`AIRSIGN-SCREEN name base64-PNG` on
the serial console). This checks that the fake-change danger screen of the rehearsal
(appliance_fixture.py) is among them, reads the signed PSBT's animated QR back off the
screens with pyzbar (libzbar), reassembles it, and verifies every input's signature against
an independent BIP-143 digest with cryptography's ECDSA (tests/independent/).

    PYTHONPATH=.:tests .venv/bin/python image-build/check_appliance.py GUEST_LOG FIXTURE_DIR
"""

import base64
import io
import sys
from pathlib import Path

from independent import sighash
from independent.ecdsa import ecdsa_valid
from PIL import Image, ImageChops
from pyzbar import pyzbar

from signer.errors import SequenceMismatch
from signer.transport.assembler import Assembler

OUR_FINGERPRINT = bytes.fromhex("73c5da0a")  # cosigner 0, "abandon ... about"
PSBT_IN_PARTIAL_SIG, PSBT_IN_WITNESS_SCRIPT, PSBT_IN_BIP32_DERIVATION = 0x02, 0x05, 0x06


def fail(message: str) -> int:
    print(f"check_appliance: FAIL: {message}", file=sys.stderr)
    return 1


def screens(log: Path) -> list[Image.Image]:
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("AIRSIGN-SCREEN "):
            _, _name, data = line.split(" ", 2)
            found.append(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
    return found


def signed_psbt(images: list[Image.Image]) -> bytes | None:
    """The last complete PSBT on the screens: the signed reply comes after the scan screens,
    whose camera previews show the incoming codes."""
    assembler, last = Assembler(), None
    for image in images:
        for symbol in pyzbar.decode(image.convert("L"), symbols=[pyzbar.ZBarSymbol.QRCODE]):
            text = symbol.data.decode("ascii")
            try:
                assembler.receive(text)
            except SequenceMismatch:  # the next animation began
                assembler = Assembler()
                assembler.receive(text)
            if assembler.is_complete:
                data = assembler.result().data
                last = data if isinstance(data, bytes) else last
                assembler = Assembler()
    return last


def verify(unsigned: bytes, signed: bytes) -> int:
    """Our signature on every input, checked against an independent BIP-143 digest."""
    tx, utxos, unsigned_maps = sighash.read_psbt_v0(unsigned)
    signed_tx, _, signed_maps = sighash.read_psbt_v0(signed)
    if signed_tx != tx:
        raise ValueError("the signed PSBT carries another transaction")
    for index, (before, after) in enumerate(zip(unsigned_maps, signed_maps, strict=True)):
        ours = [key[1:] for key, origin in before.items()
                if key[0] == PSBT_IN_BIP32_DERIVATION and origin[:4] == OUR_FINGERPRINT]
        signatures = [(key[1:], value) for key, value in after.items()
                      if key[0] == PSBT_IN_PARTIAL_SIG]
        if len(ours) != 1 or len(signatures) != 1 or signatures[0][0] != ours[0]:
            raise ValueError(f"input {index}: not exactly one signature by the device's key")
        key, value = signatures[0]
        utxo = utxos[index]
        if utxo is None:
            raise ValueError(f"input {index}: no witness UTXO to check against")
        script_code = before[bytes([PSBT_IN_WITNESS_SCRIPT])]
        digest = sighash.bip143(tx, index, script_code, utxo.amount)
        if value[-1] != 0x01 or not ecdsa_valid(key, value[:-1], digest):
            raise ValueError(f"input {index}: the signature does not verify")
    return len(signed_maps)


def main(log: Path, fixture: Path) -> int:
    images = screens(log)
    if not images:
        return fail(f"the guest dumped no screens ({log})")
    danger = Image.open(fixture / "expected" / "danger.png").convert("RGB")
    if not any(ImageChops.difference(danger, image).getbbox() is None for image in images):
        return fail("the guest never showed the rehearsal's fake-change danger screen")
    signed = signed_psbt(images)
    if signed is None:
        return fail("no complete signed PSBT on the guest's screens")
    try:
        count = verify((fixture / "expected" / "unsigned.psbt").read_bytes(), signed)
    except ValueError as exc:
        return fail(str(exc))
    print(f"check_appliance: {len(images)} screens; the fake-change danger screen shown; the "
          f"signed PSBT read back with libzbar: {count} inputs, {count} signatures verified "
          "(BIP-143 digests, cryptography's ECDSA)")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
