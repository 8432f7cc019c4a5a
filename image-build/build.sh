#!/usr/bin/env bash
# Build the airsign Raspberry Pi image from Debian packages and PyPI wheels, with no network stack.
#
#   image-build/build.sh [stock|nonet]      (make image / make image KERNEL=nonet)
#
# Stages are cached in $AIRSIGN_IMAGE_CACHE (default ~/.cache/airsign-image), keyed by their inputs, so a
# second build only redoes what changed. Output: image-build/out/airsign-<kernel>.img + .sha256.
set -euo pipefail
KERNEL_VARIANT=${1:-stock}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# Outside the repository, so a fresh clone (CI) on the same machine reuses downloads and the kernel.
CACHE=${AIRSIGN_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/airsign-image}
OUT=$HERE/out
SUITE=bookworm
MIRROR=${AIRSIGN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || echo 1700000000)}
# The app's runtime libraries from Debian; everything Python comes from wheels. No OpenCV: the
# device captures through ui/backends/v4l2.py, and OpenCV with its ffmpeg libraries would be
# ~80 MB of the RAM the root filesystem lives in.
DEB_PACKAGES=python3,libzbar0
# Python packages at the versions in requirements.txt (the list pyproject.toml reads), except
# those the device does without; embit is built on the host as a pure-Python wheel.
NOT_ON_DEVICE=(opencv-python)
BUILT_ON_HOST=(embit)

step() { printf '\n== %s\n' "$*" >&2; }
key_of() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }

"$HERE/host-deps.sh"
"$REPO/scripts/bootstrap.sh"  # the project's .venv provides pip (Debian's python3 is externally managed)
export PIP_ROOT_USER_ACTION=ignore
PIP=("$REPO/.venv/bin/python" -m pip --disable-pip-version-check)
mkdir -p "$CACHE" "$OUT"

step "root filesystem (mmdebstrap, arm64 minbase)"
rootfs_tar=$CACHE/rootfs-$(key_of "$SUITE" "$DEB_PACKAGES" "$MIRROR").tar
if [ ! -f "$rootfs_tar" ]; then
    mmdebstrap --arch=arm64 --variant=minbase --mode=root --format=tar --include="$DEB_PACKAGES" \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
        "$SUITE" "$rootfs_tar.part" "$MIRROR"
    mv "$rootfs_tar.part" "$rootfs_tar"
fi

step "kernel and Raspberry Pi firmware (unpacked on the host, not installed in a chroot)"
bootpkgs_tar=$CACHE/bootpkgs-$(key_of "$SUITE" linux-image-arm64 raspi-firmware "$MIRROR").tar
if [ ! -f "$bootpkgs_tar" ]; then
    mmdebstrap --arch=arm64 --variant=extract --mode=root --format=tar --components=main,non-free-firmware \
        --include=linux-image-arm64,raspi-firmware "$SUITE" "$bootpkgs_tar.part" "$MIRROR"
    mv "$bootpkgs_tar.part" "$bootpkgs_tar"
fi

step "Python wheels for aarch64 (pins from requirements.txt)"
PY_WHEELS=(); PURE_SDISTS=()
while read -r pin; do
    name=${pin%%==*}
    [[ " ${NOT_ON_DEVICE[*]} " == *" $name "* ]] && continue
    if [[ " ${BUILT_ON_HOST[*]} " == *" $name "* ]]; then PURE_SDISTS+=("$pin"); else PY_WHEELS+=("$pin"); fi
done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$REPO/requirements.txt" | grep -v '^$')
aarch64=(--platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64
         --platform manylinux_2_17_aarch64 --python-version 3.11 --implementation cp)
wheels=$CACHE/wheels-$(key_of "${PY_WHEELS[@]}" "${PURE_SDISTS[@]}")
if [ ! -d "$wheels" ]; then
    rm -rf "$wheels.part" && mkdir -p "$wheels.part"
    "${PIP[@]}" download -q --no-deps --only-binary=:all: "${aarch64[@]}" \
        -d "$wheels.part" "${PY_WHEELS[@]}"
    "${PIP[@]}" wheel -q --no-deps -w "$wheels.part" "${PURE_SDISTS[@]}"
    mv "$wheels.part" "$wheels"
fi

stage=$OUT/stage-$KERNEL_VARIANT
step "staging the root filesystem in $stage"
rm -rf "$stage" && mkdir -p "$stage/root" "$stage/boot"
root=$stage/root
tar -xf "$rootfs_tar" -C "$root"
# Nothing to install packages with, nothing to talk to a network with, no docs.
rm -rf "$root"/var/lib/apt "$root"/var/cache/apt "$root"/var/cache/debconf "$root"/var/log/* \
    "$root"/etc/apt "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info \
    "$root"/usr/share/locale "$root"/usr/share/perl* "$root"/usr/lib/*/perl* "$root"/usr/bin/perl* \
    "$root"/usr/bin/apt* "$root"/usr/bin/dpkg* "$root"/usr/lib/apt "$root"/usr/lib/dpkg \
    "$root"/usr/share/dpkg "$root"/var/lib/dpkg "$root"/usr/share/debconf \
    "$root"/usr/share/zoneinfo "$root"/usr/share/common-licenses
rm -f "$root"/usr/bin/{ping,wget,curl,nc,ip,ss,telnet,ssh} "$root"/usr/sbin/{ip,ifconfig,dhclient}
# RAM is the budget (the root filesystem lives in it): drop what no process here uses.
rm -rf "$root"/usr/lib/*/gconv "$root"/usr/lib/*/libapt-* "$root"/usr/lib/*/libperl* \
    "$root"/usr/lib/*/security "$root"/usr/share/X11 "$root"/usr/share/lintian \
    "$root"/usr/share/bash-completion "$root"/usr/lib/python3.11/{test,idlelib,tkinter,turtledemo,ensurepip,lib2to3,pydoc_data}

site=$root/usr/lib/python3/dist-packages
"${PIP[@]}" install -q --no-deps --no-compile --no-index --only-binary=:all: "${aarch64[@]}" \
    --target "$site" "$wheels"/*.whl
# The app as committed (HEAD), not whatever the working tree holds.
mkdir -p "$stage/src" && git -C "$REPO" archive HEAD | tar -x -C "$stage/src"
"${PIP[@]}" wheel -q --no-deps -w "$stage/app" "$stage/src"
"${PIP[@]}" install -q --no-deps --no-compile --no-index --target "$site" "$stage"/app/*.whl
rm -rf "$site"/bin "$stage/app" "$stage/src"
find "$site" -depth -type d \( -name tests -o -name testing \) -path '*/numpy/*' -exec rm -rf {} +
# Compile once here when the host's Python is the image's (3.11): unchecked-hash pycs and a
# fixed hash seed keep the bytes independent of file times and set ordering. A few stdlib files
# (lib2to3 grammar tests) do not compile; compileall's status is therefore not checked.
if "$REPO/.venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    PYTHONHASHSEED=0 "$REPO/.venv/bin/python" -m compileall -q -j0 \
        --invalidation-mode unchecked-hash "$site" "$root/usr/lib/python3.11" >/dev/null || true
fi

step "kernel modules: what the hardware needs, nothing that networks"
kver=$(tar -tf "$bootpkgs_tar" | sed -n 's#^\./boot/vmlinuz-\(.*\)$#\1#p' | head -1)
full=$stage/fullmods
mkdir -p "$full"
tar -xf "$bootpkgs_tar" -C "$full" "./lib/modules/$kver" ./boot "./usr/lib/linux-image-$kver" ./usr/lib/raspi-firmware
depmod -b "$full" "$kver"
if [ "$KERNEL_VARIANT" = stock ]; then
    python3 "$HERE/select_modules.py" "$full/lib/modules/$kver" > "$stage/modules.txt"
    while read -r module; do
        install -D -m 0644 "$full/lib/modules/$kver/$module" "$root/lib/modules/$kver/$module"
    done < "$stage/modules.txt"
    cp "$full/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kver/"
    depmod -b "$root" "$kver"
fi  # the nonet kernel has everything built in and no module support at all
install -D -m 0644 "$HERE/files/blocked-modules" "$root/etc/airsign/blocked-modules"
install -m 0755 "$HERE/files/init.py" "$root/init"
install -D -m 0755 "$HERE/files/probe_network.py" "$root/usr/lib/airsign-image/probe_network.py"
mkdir -p "$root"/{proc,sys,dev,run,tmp,keystore}

if [ "$KERNEL_VARIANT" = nonet ]; then
    step "nonet kernel (CONFIG_NET=n), cached"
    kernel_image=$("$HERE/build-kernel.sh" "$CACHE")
else
    kernel_image=$full/boot/vmlinuz-$kver
fi

step "initramfs (the whole root filesystem, unpacked into RAM at boot)"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$root" && find . -print0 | LC_ALL=C sort -z \
    | cpio --null --create --format=newc --reproducible --owner=0:0 --quiet) \
    | zstd -q -12 -T0 > "$stage/boot/initrd.img"

step "boot partition"
boot=$stage/boot
cp "$kernel_image" "$boot/vmlinuz"
cp "$full"/usr/lib/raspi-firmware/{bootcode.bin,start.elf,fixup.dat,start4.elf,fixup4.dat} "$boot/"
for dtb in bcm2837-rpi-3-b bcm2837-rpi-3-b-plus bcm2837-rpi-3-a-plus bcm2837-rpi-zero-2-w \
           bcm2711-rpi-4-b bcm2711-rpi-400; do
    cp "$full/usr/lib/linux-image-$kver/broadcom/$dtb.dtb" "$boot/"
done
cp "$HERE/files/config.txt" "$boot/"
# The kernel itself refuses to load the network modules (module_blacklist=), even if one is
# copied onto the card later; the modules are not on the image in the first place.
sed -e "s#@BLOCKED@#$(tr -s ' \n' ',' < "$HERE/files/blocked-modules" | sed 's/,$//')#" \
    "$HERE/files/cmdline.txt" > "$boot/cmdline.txt"
find "$boot" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

step "SD card image (genimage: no loop devices, no mounts)"
genroot=$stage/genroot
mkdir -p "$genroot/keystore"
cp "$HERE/files/keystore-README.txt" "$genroot/keystore/README.txt"  # mcopy needs a file
mv "$boot" "$genroot/boot"
boot=$genroot/boot
find "$genroot" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
image=airsign-$KERNEL_VARIANT.img
sed -e "s#@IMAGE@#$image#" "$HERE/genimage.cfg" > "$stage/genimage.cfg"
rm -rf "$stage/genimage-tmp" "$stage/images"
genimage --config "$stage/genimage.cfg" --rootpath "$genroot" --inputpath "$stage/images" \
    --outputpath "$stage/images" --tmppath "$stage/genimage-tmp" >/dev/null
mv "$stage/images/$image" "$OUT/$image"
cp "$boot/vmlinuz" "$OUT/airsign-$KERNEL_VARIANT.vmlinuz"
cp "$boot/initrd.img" "$OUT/airsign-$KERNEL_VARIANT.initrd.img"
(cd "$OUT" && sha256sum "$image" > "$image.sha256")
rm -rf "$full"
step "done"
cat "$OUT/$image.sha256"
du -h "$OUT/$image" "$OUT/airsign-$KERNEL_VARIANT.initrd.img" | sed 's/^/  /'
