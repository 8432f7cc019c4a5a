#!/usr/bin/env python3
"""Static checks of a board's device tree with the HAT overlay merged (build.sh, fdtoverlay).

Reads the flattened tree itself (the format of the devicetree specification, chapter 5), so
nothing of the build's own tooling is trusted, and checks what the display and keys need:
SPI0 enabled with a spidev child the mainline driver binds, the pin groups the GPIO
controller and SPI0 claim, and that no pin group anywhere in the tree takes a HAT key pin
(BCM 5, 6, 13, 16, 19, 20, 21, 26) for anything but a pulled-up input.

    check_dtb.py BOARD.dtb...
"""

import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9
KEY_PINS = {5, 6, 13, 16, 19, 20, 21, 26}
SPI0_PINS = {8, 9, 10, 11}
LCD_PINS = {24, 25, 27}  # backlight, data/command, reset
FUNCTION_INPUT, FUNCTION_OUTPUT, FUNCTION_ALT0 = 0, 1, 4
PULL_UP = 2
GPIO = "/soc/gpio@7e200000"
SPI0 = "/soc/spi@7e204000"
SPIDEV_COMPATIBLES = {"rohm,bh2228fv", "rohm,dh2228fv", "lineartechnology,ltc2488",
                      "semtech,sx1301", "lwn,bk4", "dh,dhcom-board", "menlo,m53cpld"}


@dataclass
class Node:
    path: str
    props: dict[str, bytes] = field(default_factory=dict)

    def cells(self, name: str) -> list[int]:
        value = self.props.get(name, b"")
        return list(struct.unpack(f">{len(value) // 4}I", value))

    def string(self, name: str) -> str:
        return self.props.get(name, b"").split(b"\0")[0].decode()

    def strings(self, name: str) -> list[str]:
        return [s.decode() for s in self.props.get(name, b"").split(b"\0") if s]


def parse(blob: bytes) -> dict[str, Node]:
    magic, _size, off_struct, off_strings = struct.unpack_from(">4I", blob)
    if magic != FDT_MAGIC:
        raise ValueError("not a flattened device tree")
    nodes: dict[str, Node] = {}
    stack: list[Node] = []
    offset = off_struct
    while True:
        (token,) = struct.unpack_from(">I", blob, offset)
        offset += 4
        if token == FDT_BEGIN_NODE:
            end = blob.index(b"\0", offset)
            name = blob[offset:end].decode()
            offset = (end + 4) & ~3
            parent = stack[-1].path if stack else ""
            path = "/" if not stack else (f"{parent.rstrip('/')}/{name}")
            node = Node(path)
            nodes[path] = node
            stack.append(node)
        elif token == FDT_END_NODE:
            stack.pop()
        elif token == FDT_PROP:
            length, name_offset = struct.unpack_from(">2I", blob, offset)
            offset += 8
            name_end = blob.index(b"\0", off_strings + name_offset)
            name = blob[off_strings + name_offset:name_end].decode()
            stack[-1].props[name] = blob[offset:offset + length]
            offset = (offset + length + 3) & ~3
        elif token == FDT_NOP:
            continue
        elif token == FDT_END:
            return nodes
        else:
            raise ValueError(f"bad token {token:#x} at {offset - 4}")


def check(path: Path) -> list[str]:
    nodes = parse(path.read_bytes())
    by_phandle = {node.cells("phandle")[0]: node for node in nodes.values()
                  if "phandle" in node.props}
    problems = []
    spi, gpio = nodes.get(SPI0), nodes.get(GPIO)
    if spi is None or gpio is None:
        return [f"{path.name}: no {SPI0} or {GPIO}"]
    if spi.string("status") != "okay":
        problems.append(f"{path.name}: SPI0 is not enabled")
    children = [n for p, n in nodes.items() if p.startswith(SPI0 + "/")]
    if not any(set(n.strings("compatible")) & SPIDEV_COMPATIBLES and n.cells("reg") == [0]
               for n in children):
        problems.append(f"{path.name}: SPI0 has no spidev child on chip select 0")

    def groups(node: Node) -> list[Node]:
        return [by_phandle[h] for h in node.cells("pinctrl-0") if h in by_phandle]

    spi_pins = {pin for group in groups(spi) for pin in group.cells("brcm,pins")}
    if spi_pins != SPI0_PINS:
        problems.append(f"{path.name}: SPI0 claims GPIO {sorted(spi_pins)}, not 8-11")
    hog = groups(gpio)
    key_groups = [g for g in hog if set(g.cells("brcm,pins")) == KEY_PINS]
    if len(key_groups) != 1 or key_groups[0].cells("brcm,function") != [FUNCTION_INPUT] \
            or key_groups[0].cells("brcm,pull") != [PULL_UP]:
        problems.append(f"{path.name}: the key pins are not one pulled-up input group")
    lcd = [g for g in hog if set(g.cells("brcm,pins")) == LCD_PINS]
    if len(lcd) != 1 or lcd[0].cells("brcm,function") != [FUNCTION_OUTPUT]:
        problems.append(f"{path.name}: the ST7789 control lines are not outputs")
    # Every pin group any device claims: a key pin may appear only in the key group.
    claimed = [by_phandle[h] for node in nodes.values() for name in node.props
               if name.startswith("pinctrl-") and name[8:].isdigit()
               for h in node.cells(name) if h in by_phandle]
    for group in claimed:
        taken = set(group.cells("brcm,pins")) & KEY_PINS
        if taken and group not in key_groups:
            problems.append(f"{path.name}: {group.path} takes key pins {sorted(taken)}")
    return problems


def main(paths: list[str]) -> int:
    problems = [p for path in paths for p in check(Path(path))]
    for problem in problems:
        print(f"check_dtb: FAIL: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_dtb: {', '.join(Path(p).name for p in paths)}: SPI0 okay on GPIO 8-11 "
              "with a spidev child, key pins pulled-up inputs and claimed by nothing else, "
              "ST7789 lines outputs")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
