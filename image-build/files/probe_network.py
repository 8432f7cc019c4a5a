#!/usr/bin/python3
"""Boot-test probe, run by /init after the app's self-test: what network does this kernel offer?

Prints the interfaces in /sys/class/net and, for each socket family, whether the kernel lets a
socket be created. Lives in the image, not in the app: the app itself never creates sockets.
"""

import os
import socket
import sys

FAMILIES = {
    "AF_INET": socket.AF_INET,
    "AF_INET6": socket.AF_INET6,
    "AF_UNIX": socket.AF_UNIX,
    "AF_PACKET": getattr(socket, "AF_PACKET", 17),
    "AF_BLUETOOTH": getattr(socket, "AF_BLUETOOTH", 31),
    "AF_NETLINK": getattr(socket, "AF_NETLINK", 16),
}


def main() -> int:
    interfaces = sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else []
    print(f"probe: network interfaces: {' '.join(interfaces) or 'none'}", flush=True)
    for name, family in FAMILIES.items():
        raw = name in ("AF_PACKET", "AF_NETLINK", "AF_BLUETOOTH")
        kind = socket.SOCK_RAW if raw else socket.SOCK_STREAM
        try:
            sock = socket.socket(family, kind)
        except OSError as exc:
            print(f"probe: {name} socket: refused ({exc.strerror})", flush=True)
        else:
            sock.close()
            print(f"probe: {name} socket: allowed", flush=True)
    return 0 if interfaces in ([], ["lo"]) else 1


if __name__ == "__main__":
    sys.exit(main())
