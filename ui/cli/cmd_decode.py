"""`airsign decode SOURCE...`: read QR codes (images, GIF, video, frame directory, camera)
or a text file of QR parts, and print what they carry."""

import argparse
import base64
import json
import sys
from pathlib import Path

from signer.errors import UsageError
from signer.transport.types import Payload, PayloadKind
from ui.cli import AddCommand
from ui.cli.common import write_output
from ui.cli.qr_output import terminal_progress
from ui.scan.decoders import DECODERS, DEFAULT_DECODER
from ui.scan.sources import is_frame_source, load_source, scan_sources


def register(add_command: AddCommand) -> None:
    parser = add_command("decode")
    parser.add_argument("sources", metavar="SOURCE", nargs="*",
                        help="image files, an animated GIF, a video, a directory of frames, "
                             "camera:N, or v4l2:N (V4L2 capture without OpenCV)")
    parser.add_argument("--text", metavar="FILE",
                        help="a file of QR payload text instead (one part per line; - for stdin)")
    parser.add_argument("--out", metavar="FILE", help="write the payload here (binary "
                        "payloads such as a PSBT as raw bytes) instead of stdout")
    parser.add_argument("--stats", action="store_true",
                        help="print scan counters as JSON on stderr")
    parser.add_argument("--decoder", choices=sorted(DECODERS), default=DEFAULT_DECODER,
                        help=f"QR image decoder (default {DEFAULT_DECODER})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if bool(args.sources) == bool(args.text):
        raise UsageError("give QR image/video/camera sources or --text FILE (one of the two)")
    if args.text:
        payload = load_source([args.text])
        stats = None
    else:
        not_frames = [s for s in args.sources if not is_frame_source(s)]
        if not_frames and not Path(not_frames[0]).expanduser().exists():
            raise UsageError(f"{not_frames[0]}: no such file or directory")
        if not_frames:
            raise UsageError(f"{not_frames[0]}: not an image, GIF, video, directory or "
                             "camera:N (text files go with --text)")
        bar = terminal_progress if sys.stderr.isatty() else None
        try:
            result = scan_sources(args.sources, args.decoder, bar)
        finally:
            if bar is not None:
                sys.stderr.write("\n")
        payload, stats = result.payload, result.stats
    print(f"{payload.kind} ({payload.format}{', ' + payload.encoding if payload.encoding else ''})",
          file=sys.stderr)
    if args.stats and stats is not None:
        print(json.dumps(stats.to_json()), file=sys.stderr)
    _write(payload, args.out)
    return 0


def _write(payload: Payload, out: str | None) -> None:
    data = payload.data
    if out is not None:
        write_output(out, data if isinstance(data, bytes) else (data + "\n").encode("utf-8"),
                     secret=payload.kind.holds_secret)
        return
    if isinstance(data, bytes):
        text = (base64.b64encode(data).decode("ascii") if payload.kind is PayloadKind.PSBT
                else data.hex())
    else:
        text = data
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
