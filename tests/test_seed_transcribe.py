"""SeedQR transcription grid: sizes from the SeedQR spec, modules read back by independent
QR decoders (zxing-cpp, pyzbar), blocks covering the grid exactly once."""

import numpy as np
import pytest
import zxingcpp
from conftest import load_vectors
from PIL import Image
from pyzbar import pyzbar

from signer.seed.transcribe import (
    confirm_transcription,
    render_text,
    seedqr_matrix,
    transcription_grid,
)

VECTORS = load_vectors("seedqr/seedqr_vectors.json")["vectors"]


def to_image(matrix: list[list[bool]], scale: int = 8) -> Image.Image:
    pixels = np.where(np.array(matrix), 0, 255).astype(np.uint8)
    pixels = np.pad(pixels, 4, constant_values=255)  # quiet zone
    return Image.fromarray(pixels.repeat(scale, 0).repeat(scale, 1))


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_standard_matrix_reads_back(vector: dict) -> None:
    words = vector["mnemonic"].split()
    matrix = seedqr_matrix(words)
    assert len(matrix) == (25 if len(words) == 12 else 29)
    decoded = pyzbar.decode(to_image(matrix))
    assert decoded[0].data.decode() == vector["standard_seedqr_digits"]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_compact_matrix_reads_back(vector: dict) -> None:
    words = vector["mnemonic"].split()
    matrix = seedqr_matrix(words, compact=True)
    assert len(matrix) == (21 if len(words) == 12 else 25)
    result = zxingcpp.read_barcodes(to_image(matrix))[0]
    assert result.bytes == bytes.fromhex(vector["compact_seedqr_hex"])


@pytest.mark.parametrize("size_words, compact, edge", [(12, True, 7), (12, False, 5),
                                                       (24, False, 5)])
def test_blocks_cover_the_grid(size_words: int, compact: bool, edge: int) -> None:
    vector = next(v for v in VECTORS if v["words"] == size_words)
    matrix = seedqr_matrix(vector["mnemonic"].split(), compact=compact)
    grid = transcription_grid(matrix)
    assert grid.block_edge == edge
    rebuilt = [[None] * grid.size for _ in range(grid.size)]
    for block in grid.blocks:
        for r, row in enumerate(block.modules):
            for c, dark in enumerate(row):
                assert rebuilt[block.top + r][block.left + c] is None
                rebuilt[block.top + r][block.left + c] = dark
    assert rebuilt == matrix
    assert grid.blocks[0].label == "A1"
    last = grid.blocks_per_side
    assert grid.block(f"{chr(64 + last)}{last}").top == (last - 1) * edge


@pytest.mark.parametrize("words", [12, 24])
def test_text_rendering_has_labels_and_every_module(words: int) -> None:
    vector = next(v for v in VECTORS if v["words"] == words)
    matrix = seedqr_matrix(vector["mnemonic"].split())
    lines = render_text(matrix).splitlines()
    headers = [line for line in lines if line.startswith("    ") and "-" not in line]
    columns = ["".join(chars).strip() for chars in
               zip(*(h[4:].replace("|", "") for h in headers), strict=True)]
    letters = [chr(65 + i) for i in range(26)] + ["AA", "AB", "AC"]
    assert columns == letters[: len(matrix)]
    rows = [line for line in lines if line[:3].strip().isdigit()]
    assert [int(line[:3]) for line in rows] == list(range(1, len(matrix) + 1))
    for line, row in zip(rows, matrix, strict=True):
        assert line[4:].replace("|", "") == "".join("#" if m else "." for m in row)


def test_confirm_transcription() -> None:
    ours = VECTORS[0]["mnemonic"].split()
    assert confirm_transcription(list(ours), ours).matches
    changed = list(ours)
    changed[3] = "zoo"
    check = confirm_transcription(changed, ours)
    assert not check.matches and check.differing_positions == (3,)
