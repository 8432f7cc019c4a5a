"""SeedQR hand transcription: the QR's module grid cut into labelled blocks to copy onto a
paper or steel template one block at a time, and the check of a transcribed code.

SeedSigner's parameters: error correction L, smallest version that fits, numeric mode for
standard (4 digits per word) and byte mode for compact (raw entropy). That gives 21x21
(compact 12 words), 25x25 (standard 12 / compact 24) and 29x29 (standard 24).
"""

import string
from collections.abc import Sequence
from dataclasses import dataclass

import qrcode
from qrcode.util import MODE_8BIT_BYTE, MODE_NUMBER, QRData

from signer.transport.seedqr import encode_compact, encode_standard

# Block edge per grid size: 21 = 3 x 7, 25 = 5 x 5, 29 = 5 x 5 plus a 4-module edge.
BLOCK_EDGE = {21: 7, 25: 5, 29: 5}


def seedqr_matrix(words: Sequence[str], compact: bool = False) -> list[list[bool]]:
    """The SeedQR's modules (True = dark), without the quiet zone."""
    data = (QRData(encode_compact(list(words)), mode=MODE_8BIT_BYTE) if compact
            else QRData(encode_standard(list(words)), mode=MODE_NUMBER))
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=0)
    code.add_data(data)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


@dataclass(frozen=True)
class GridBlock:
    """One zoomed block: `label` like "B3" (column letter, row number), its first module's
    row and column in the whole grid, and its modules."""

    label: str
    top: int
    left: int
    modules: tuple[tuple[bool, ...], ...]


@dataclass(frozen=True)
class TranscriptionGrid:
    size: int  # modules per side
    block_edge: int
    blocks: tuple[GridBlock, ...]  # row by row, left to right

    @property
    def blocks_per_side(self) -> int:
        return -(-self.size // self.block_edge)

    def block(self, label: str) -> GridBlock:
        return next(b for b in self.blocks if b.label == label.upper())


def column_label(index: int) -> str:
    """A, B, ... Z, then AA, AB ... (grids are at most 29 wide)."""
    letters = string.ascii_uppercase
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


def transcription_grid(matrix: Sequence[Sequence[bool]], block_edge: int | None = None
                       ) -> TranscriptionGrid:
    size = len(matrix)
    edge = block_edge or BLOCK_EDGE.get(size, 5)
    blocks = []
    for block_row, top in enumerate(range(0, size, edge)):
        for block_col, left in enumerate(range(0, size, edge)):
            modules = tuple(tuple(bool(m) for m in row[left:left + edge])
                            for row in matrix[top:top + edge])
            blocks.append(GridBlock(f"{column_label(block_col)}{block_row + 1}", top, left,
                                    modules))
    return TranscriptionGrid(size, edge, tuple(blocks))


def render_text(matrix: Sequence[Sequence[bool]], block_edge: int | None = None) -> str:
    """The whole grid as text with column letters, row numbers and block separators:
    '#' = fill the module, '.' = leave it empty."""
    size = len(matrix)
    edge = block_edge or BLOCK_EDGE.get(size, 5)
    labels = [column_label(c).rjust(2) for c in range(size)]
    # Two header lines when labels have two letters (AA.. on a 29-wide grid).
    lines = ["    " + "".join(("|" if c and c % edge == 0 else "") + labels[c][line]
                             for c in range(size))
             for line in ((0, 1) if size > 26 else (1,))]
    for r, row in enumerate(matrix):
        if r and r % edge == 0:
            lines.append("    " + "+".join("-" * len(range(c, min(c + edge, size)))
                                          for c in range(0, size, edge)))
        cells = "".join(("|" if c and c % edge == 0 else "") + ("#" if dark else ".")
                        for c, dark in enumerate(row))
        lines.append(f"{r + 1:>3} {cells}")
    return "\n".join(lines)


@dataclass(frozen=True)
class TranscriptionCheck:
    matches: bool
    differing_positions: tuple[int, ...]  # 0-based word positions that differ


def confirm_transcription(scanned: Sequence[str], ours: Sequence[str]) -> TranscriptionCheck:
    """Compare the words scanned from a hand-made SeedQR with the stored ones."""
    if len(scanned) != len(ours):
        return TranscriptionCheck(False, tuple(range(max(len(scanned), len(ours)))))
    differing = tuple(i for i, (a, b) in enumerate(zip(scanned, ours, strict=True)) if a != b)
    return TranscriptionCheck(not differing, differing)
