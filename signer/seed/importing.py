"""Import an existing seed from a scan: a SeedQR (standard or compact), a QR of the words,
or Coldcard's QR of 4-letter abbreviations. Typed words go through `check.check_mnemonic`."""

from signer.errors import InvalidMnemonic
from signer.seed.check import check_mnemonic
from signer.transport.types import Payload, PayloadKind

SEED_KINDS = (PayloadKind.SEEDQR, PayloadKind.MNEMONIC, PayloadKind.TEXT)


def words_from_payload(payload: Payload) -> list[str]:
    """The full words of a scanned seed, checksum verified; InvalidMnemonic (naming the
    position where it can) for anything else."""
    if payload.kind not in SEED_KINDS or not isinstance(payload.data, str):
        raise InvalidMnemonic(f"this QR holds a {payload.kind.value}, not a seed")
    check = check_mnemonic(payload.data)
    if payload.kind is PayloadKind.TEXT and not check.length_ok:
        raise InvalidMnemonic("this QR holds text, not a seed")
    return check.require_valid()
