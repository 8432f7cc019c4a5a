"""Where `review` and `sign` get a PSBT from and where the signed one goes.

A PSBT comes from a file (base64, hex or binary) or stdin ("-"), from a text file of QR
parts (UR, BBQr, pMofN lines), or from QR frames: image(s), an animated GIF, a video, a
directory of frames, or a camera (camera:N). The signed PSBT goes to a file or stdout in
the encoding it came in, or as QR frames in the QR format it came in.
"""

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from signer.errors import InvalidPSBT, PSBTTooComplex, UsageError
from signer.psbt import (
    DEFAULT_MAX_SIZE,
    ParsedPSBT,
    decode_psbt_text,
    encode_psbt,
    load_psbt,
    serialize_psbt,
)
from signer.transport.types import Format, Payload, PayloadKind
from ui.cli.common import read_input_bytes, write_output
from ui.scan.decoders import DEFAULT_DECODER
from ui.scan.sources import load_file_or_frames

_FILE_ENCODINGS = ("base64", "hex", "binary")
# A file of the largest PSBT as hex (2x) or as QR part lines (UR bytewords, 2x plus each
# part's header), with room for repeated parts; anything longer is refused unread.
MAX_FILE_SIZE = 8 * DEFAULT_MAX_SIZE


@dataclass(frozen=True)
class LoadedPSBT:
    psbt: ParsedPSBT
    encoding: str  # base64, hex or binary: how the signed PSBT goes to a file or stdout
    came_as: Payload  # how it crossed: the signed PSBT's QR frames go back the same way


def load_psbt_source(sources: Sequence[str], decoder: str = DEFAULT_DECODER) -> LoadedPSBT:
    """The PSBT in `sources` (see the module docstring)."""
    loaded = load_file_or_frames(sources, decoder, read_file=_read_psbt_file)
    if isinstance(loaded, bytes):
        raw, encoding = decode_psbt_text(loaded)
        payload = Payload(PayloadKind.PSBT, raw, Format.SINGLE, encoding)
    else:
        payload = loaded
    if payload.kind is not PayloadKind.PSBT or not isinstance(payload.data, bytes):
        raise InvalidPSBT(f"not a PSBT: the source holds a {payload.kind}")
    encoding = payload.encoding if payload.encoding in _FILE_ENCODINGS else "base64"
    return LoadedPSBT(load_psbt(payload.data), encoding, payload)


def _read_psbt_file(source: str) -> bytes:
    data = read_input_bytes(source, MAX_FILE_SIZE + 1)
    if len(data) > MAX_FILE_SIZE:
        raise PSBTTooComplex(f"{source} holds more than {MAX_FILE_SIZE:,} bytes: no "
                             f"PSBT within the {DEFAULT_MAX_SIZE:,}-byte limit is that long")
    return data


def write_psbt(psbt: ParsedPSBT, encoding: str, out: str | None) -> None:
    """The PSBT in the encoding it came in, to the file `out` or to stdout."""
    data = encode_psbt(serialize_psbt(psbt), encoding)
    if encoding != "binary":
        data += b"\n"
    if out is None:
        if encoding == "binary" and sys.stdout.isatty():
            raise UsageError("the PSBT is binary: write it to a file with --out FILE")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_output(out, data)
