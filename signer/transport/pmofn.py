"""Specter's animated QR format: parts `p<M>of<N> <chunk>`, M 1-based, chunks of one text.

Specter Desktop and Specter DIY split the base64 PSBT (or a wallet descriptor) into N
consecutive chunks; joining the chunks in order gives the original text back.
"""

import math
import re
from dataclasses import dataclass

from signer.errors import TransportError

# Four-digit part numbers: a 2 MB PSBT at QR version 20 needs about 3,200 parts, and 10,000
# frames would take over half an hour to scan at 5 frames a second.
MAX_PARTS = 10_000 - 1
_PART = re.compile(r"p([0-9]{1,6})of([0-9]{1,6}) ", re.IGNORECASE)


@dataclass(frozen=True)
class PMofNPart:
    index: int  # 1-based
    total: int
    chunk: str


def is_pmofn(text: str) -> bool:
    return _PART.match(text) is not None


def parse_part(text: str) -> PMofNPart:
    match = _PART.match(text)
    if match is None:
        raise TransportError("not a Specter pMofN part: expected 'p<M>of<N> ' at the start")
    index, total = int(match.group(1)), int(match.group(2))
    if total == 0 or not 1 <= index <= total:
        raise TransportError(f"bad Specter part number p{index}of{total}")
    return PMofNPart(index, total, text[match.end() :])


def split(text: str, parts: int) -> list[str]:
    """`parts` near-equal chunks of text, each prefixed `p<M>of<N> `."""
    size = math.ceil(len(text) / parts) if text else 1
    chunks = [text[start : start + size] for start in range(0, len(text), size)] or [""]
    total = len(chunks)
    return [f"p{index}of{total} {chunk}" for index, chunk in enumerate(chunks, start=1)]
