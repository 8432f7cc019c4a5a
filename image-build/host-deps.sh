#!/usr/bin/env bash
# Host tools for building and boot-testing the image (Debian/Ubuntu, as root or with sudo).
# Idempotent: installs only what is missing, and makes sure qemu-user can run arm64 binaries.
set -euo pipefail
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
need=()
for pair in mmdebstrap:mmdebstrap qemu-aarch64-static:qemu-user-static update-binfmts:binfmt-support \
            genimage:genimage mkfs.fat:dosfstools mcopy:mtools cpio:cpio zstd:zstd depmod:kmod \
            arch-test:arch-test qemu-system-aarch64:qemu-system-arm; do
    command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
[ -e /usr/share/qemu/efi-virtio.rom ] || need+=(ipxe-qemu)
if [ ${#need[@]} -gt 0 ]; then
    echo "host-deps: installing ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
# qemu-user-static needs binfmt_misc to run the arm64 maintainer scripts of the root filesystem.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    $sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || $sudo update-binfmts --enable qemu-aarch64
arch-test arm64 >/dev/null || { echo "host-deps: this host cannot run arm64 binaries under qemu-user" >&2; exit 1; }
