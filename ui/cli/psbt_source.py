"""Where `review` and `sign` get a PSBT from and where the signed one goes.

One function per direction so that other sources (camera, QR images) can be added here.
"""

import sys
from pathlib import Path

from signer.errors import UsageError
from signer.psbt import ParsedPSBT, decode_psbt_text, encode_psbt, load_psbt, serialize_psbt
from ui.cli.common import read_input_bytes


def load_psbt_source(source: str) -> tuple[ParsedPSBT, str]:
    """The PSBT in a file (base64, hex or binary) or on stdin ("-"), and its encoding."""
    data = read_input_bytes(source)
    raw, encoding = decode_psbt_text(data)
    return load_psbt(raw), encoding


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
    try:
        Path(out).expanduser().write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
