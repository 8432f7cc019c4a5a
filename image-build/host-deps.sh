#!/usr/bin/env bash
# Host tools for building and boot-testing the image (Debian/Ubuntu, as root or with sudo).
# Idempotent: installs only what is missing, and makes sure qemu-user can run arm64 binaries.
set -euo pipefail
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
need=()
for pair in mmdebstrap:mmdebstrap qemu-aarch64-static:qemu-user-static update-binfmts:binfmt-support \
            genimage:genimage mkfs.fat:dosfstools mcopy:mtools cpio:cpio zstd:zstd depmod:kmod \
            arch-test:arch-test dtc:device-tree-compiler readelf:binutils; do
    command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "host-deps: installing ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The raspi3b boot test needs QEMU 10 or later: it emulates the BCM2835 SPI controller the
# display HAT sits on (7.2, bookworm's own, does not). On bookworm it comes from backports.
qemu_major() { qemu-system-aarch64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p' || true; }
if [ "$(qemu_major)" -lt 10 ] 2>/dev/null || [ -z "$(qemu_major)" ]; then
    suite=""
    if grep -qx 'VERSION_CODENAME=bookworm' /etc/os-release; then
        suite=bookworm-backports
        if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
            printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
                'Suites: bookworm-backports' 'Components: main' \
                'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
                | $sudo tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
        fi
    fi
    echo "host-deps: installing qemu-system-arm >= 10${suite:+ from $suite}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq ${suite:+-t "$suite"} \
        qemu-system-arm >/dev/null
    [ "$(qemu_major)" -ge 10 ] || { echo "host-deps: need QEMU >= 10 for the raspi3b boot test" >&2; exit 1; }
fi
# qemu-user-static needs binfmt_misc to run the arm64 maintainer scripts of the root filesystem.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    $sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || $sudo update-binfmts --enable qemu-aarch64
arch-test arm64 >/dev/null || { echo "host-deps: this host cannot run arm64 binaries under qemu-user" >&2; exit 1; }
