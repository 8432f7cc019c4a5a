"""The coordinator's side of the return trip: read the signed PSBT off the device's screen
(the recorded frames, decoded with zxing-cpp as a webcam would) and check it with embit:
the same transaction the coordinator sent, and a valid signature on every input."""

from dataclasses import dataclass

from embit.descriptor import Descriptor
from embit.psbt import PSBT
from PIL import Image

from signer.errors import AirsignError
from signer.transport.assembler import Assembler
from ui.demo.walkthrough import verify_signatures
from ui.scan.decoders import QRDecoder, get_decoder


@dataclass(frozen=True)
class SignedCheck:
    frames_decoded: int  # frames in which a QR code was read
    signed_psbt: bytes  # empty when the frames did not give a complete PSBT
    same_transaction: bool  # the coordinator's unsigned transaction, unchanged
    signatures_verified: int
    inputs: int
    problem: str = ""  # why the check failed, one line

    @property
    def ok(self) -> bool:
        return not self.problem


def read_frames(images: list[Image.Image], decoder: QRDecoder | None = None
                ) -> tuple[bytes, int]:
    """The payload the frames carry (bytes), and how many frames had a readable QR code."""
    decoder = decoder or get_decoder("zxing")
    assembler = Assembler()
    readable = 0
    for image in images:
        found = decoder.decode(image.convert("L"))
        readable += bool(found)
        for part in found:
            assembler.receive(part)
        if assembler.is_complete:
            break
    if not assembler.is_complete:
        progress = assembler.progress()
        raise AirsignError(f"the device's QR frames ended before the PSBT was complete "
                           f"({progress.parts_received} of {progress.parts_total} parts)")
    data = assembler.result().data
    return (data if isinstance(data, bytes) else data.encode()), readable


def check_signed_frames(images: list[Image.Image], unsigned: bytes,
                        wallet: Descriptor) -> SignedCheck:
    """Decode, reassemble and verify; a failed check says why in `problem`."""
    inputs = len(PSBT.parse(unsigned).inputs)
    if not images:
        return SignedCheck(0, b"", False, 0, inputs, problem="the device showed no signed PSBT")
    try:
        signed_raw, readable = read_frames(images)
        signed = PSBT.parse(signed_raw)
    except (AirsignError, ValueError, KeyError) as exc:
        return SignedCheck(0, b"", False, 0, inputs, problem=str(exc) or type(exc).__name__)
    same = signed.tx.txid() == PSBT.parse(unsigned).tx.txid()
    try:
        verified = verify_signatures(signed)
    except AirsignError as exc:
        return SignedCheck(readable, signed_raw, same, 0, inputs, problem=str(exc))
    problem = ""
    if not same:
        problem = "the signed PSBT is not the coordinator's transaction"
    elif verified < inputs:
        problem = f"only {verified} of {inputs} inputs carry a valid signature"
    elif not _signed_by_wallet_keys(signed, wallet):
        problem = "a signature is not by a key of the registered wallet"
    return SignedCheck(readable, signed_raw, same, verified, inputs, problem)


def _signed_by_wallet_keys(signed: PSBT, wallet: Descriptor) -> bool:
    """Every signing key is one the wallet's descriptor derives (at the PSBT's chain/index)."""
    accounts = {key.origin.fingerprint: key.key for key in wallet.keys if key.origin}
    for inp in signed.inputs:
        for pubkey in inp.partial_sigs:
            origin = inp.bip32_derivations.get(pubkey)
            if origin is None or origin.fingerprint not in accounts:
                return False
            chain_and_index = list(origin.derivation[-2:])
            if accounts[origin.fingerprint].derive(chain_and_index).key != pubkey:
                return False
    return True
