"""Command-line plumbing for QR sequences: a progress bar while scanning, the options and
the writing of QR frames (GIF or a directory of PNGs)."""

import argparse
import sys

from signer.transport.encoders import FrameSequence
from signer.transport.types import Progress
from ui.scan.scanner import ScanStats
from ui.scan.sources import DEFAULT_FPS, write_qr_frames

_BAR_WIDTH = 30


def terminal_progress(progress: Progress, stats: ScanStats) -> None:
    """A one-line progress bar on stderr, redrawn in place (only called for a terminal)."""
    if progress.parts_total <= 1:
        text = f"scanning: {stats.frames_read} frames, {stats.fps:.0f} fps"
    else:
        filled = round(progress.fraction * _BAR_WIDTH)
        bar = "#" * filled + "." * (_BAR_WIDTH - filled)
        text = (f"[{bar}] {progress.parts_received}/{progress.parts_total} parts, "
                f"{stats.frames_read} frames, {stats.fps:.0f} fps")
    sys.stderr.write(f"\r{text}\x1b[K")
    sys.stderr.flush()


def add_frame_output_options(parser: argparse.ArgumentParser, *, required: bool,
                             gif_flag: str = "--gif", dir_flag: str = "--frames-dir") -> None:
    where = parser.add_mutually_exclusive_group(required=required)
    where.add_argument(gif_flag, dest="qr_gif", metavar="OUT",
                       help="write the QR frames as an animated GIF")
    where.add_argument(dir_flag, dest="qr_dir", metavar="DIR",
                       help="write the QR frames as numbered PNG files into DIR")
    parser.add_argument("--fps", type=float, default=DEFAULT_FPS,
                        help=f"frames per second of the GIF (default {DEFAULT_FPS:g})")


def write_frames_from_args(frames: FrameSequence, args: argparse.Namespace, *,
                           secret: bool = False) -> None:
    count = write_qr_frames(frames, gif=args.qr_gif, frames_dir=args.qr_dir, fps=args.fps,
                            secret=secret)
    where = args.qr_gif or args.qr_dir
    print(f"airsign: wrote {count} {frames.format} QR frame(s), version {frames.qr_version}, "
          f"to {where}", file=sys.stderr)
    if frames.note:
        print(f"airsign: {frames.note}", file=sys.stderr)
