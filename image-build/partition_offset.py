#!/usr/bin/env python3
"""Print the byte offset of MBR partition N (1-based) in a disk image, for mtools' img@@offset."""

import struct
import sys


def partition_offset(image: str, number: int) -> int:
    with open(image, "rb") as handle:
        mbr = handle.read(512)
    if mbr[510:512] != b"\x55\xaa":
        raise SystemExit(f"{image}: no MBR partition table")
    entry = mbr[446 + 16 * (number - 1): 446 + 16 * number]
    (first_sector,) = struct.unpack_from("<I", entry, 8)
    if first_sector == 0:
        raise SystemExit(f"{image}: partition {number} is empty")
    return first_sector * 512


if __name__ == "__main__":
    print(partition_offset(sys.argv[1], int(sys.argv[2])))
