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
# The app's runtime libraries from Debian; everything Python comes from wheels. No OpenCV and
# no numpy: the device captures through ui/backends/v4l2.py and works on PIL images, and the
# two with their ffmpeg and BLAS libraries would be ~150 MB of the RAM the root lives in.
DEB_PACKAGES=python3,libzbar0
# Python packages at the versions in requirements.txt (the list pyproject.toml reads), except
# those the device does without; embit is built on the host as a pure-Python wheel.
NOT_ON_DEVICE=(opencv-python numpy)
BUILT_ON_HOST=(embit)
# Targets for the Pi Zero 2 W (512 MB, 384 MB of it the ARM's at gpu_mem=128): checked at the end.
MAX_ROOT_MB=120
MAX_IMAGE_MB=100
# The boards whose device trees get the HAT overlay (dt/airsign-hat.dts); config.txt picks one.
BOARDS=(bcm2837-rpi-zero-2-w bcm2837-rpi-3-b bcm2837-rpi-3-b-plus bcm2837-rpi-3-a-plus
        bcm2711-rpi-4-b bcm2711-rpi-400)

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

step "kernel, Raspberry Pi firmware, fribidi (unpacked on the host, not installed in a chroot)"
# libfribidi0: Pillow's text layout (raqm, in its wheel) loads it by name; without it Pillow
# falls back to its basic layout and wraps the screens' text differently from every other
# machine the screens are drawn and tested on.
HOST_UNPACKED=linux-image-arm64,raspi-firmware,libfribidi0
bootpkgs_tar=$CACHE/bootpkgs-$(key_of "$SUITE" "$HOST_UNPACKED" "$MIRROR").tar
if [ ! -f "$bootpkgs_tar" ]; then
    mmdebstrap --arch=arm64 --variant=extract --mode=root --format=tar --components=main,non-free-firmware \
        --include="$HOST_UNPACKED" "$SUITE" "$bootpkgs_tar.part" "$MIRROR"
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
    "$root"/usr/lib/*/security "$root"/usr/share/* "$root"/usr/include "$root"/usr/games \
    "$root"/usr/lib/python3.11/{test,idlelib,tkinter,turtledemo,ensurepip,lib2to3,pydoc_data} \
    "$root"/usr/lib/python3.11/{distutils,sqlite3,curses,dbm,venv,config-3.11-*}

tar -xf "$bootpkgs_tar" -C "$root" --wildcards './usr/lib/aarch64-linux-gnu/libfribidi.so.0*'
site=$root/usr/lib/python3/dist-packages
"${PIP[@]}" install -q --no-deps --no-compile --no-index --only-binary=:all: "${aarch64[@]}" \
    --target "$site" "$wheels"/*.whl
# The app as committed (HEAD), not whatever the working tree holds.
mkdir -p "$stage/src" && git -C "$REPO" archive HEAD | tar -x -C "$stage/src"
"${PIP[@]}" wheel -q --no-deps -w "$stage/app" "$stage/src"
"${PIP[@]}" install -q --no-deps --no-compile --no-index --target "$site" "$stage"/app/*.whl
rm -rf "$site"/bin "$stage/app" "$stage/src"
# Programs and libraries nothing on the image can reach (by ELF dependencies).
python3 "$HERE/prune_root.py" "$root"
# Bytecode only, no sources, when the host's Python is the image's (3.11): compiled next to
# where the sources were (sourceless imports), unchecked-hash with a fixed hash seed so the
# bytes do not depend on file times or set ordering. Tracebacks on the device then show no
# source lines; the sources are in the repository.
if "$REPO/.venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    find "$site" "$root/usr/lib/python3.11" -type d -name __pycache__ -prune -exec rm -rf {} +
    PYTHONHASHSEED=0 "$REPO/.venv/bin/python" -m compileall -q -b -j0 \
        --invalidation-mode unchecked-hash "$site" "$root/usr/lib/python3.11" >/dev/null \
        || { echo "build: byte-compiling the image's Python failed" >&2; exit 1; }
    find "$site" "$root/usr/lib/python3.11" -name '*.py' -type f -delete
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
    cp "$(dirname "$kernel_image")/config" "$OUT/airsign-nonet.kconfig"  # the boot test reads it
else
    kernel_image=$full/boot/vmlinuz-$kver
fi

root_bytes=$(du -sb --apparent-size "$root" | cut -f1)
step "initramfs (the whole root filesystem, unpacked into RAM at boot)"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$root" && find . -print0 | LC_ALL=C sort -z \
    | cpio --null --create --format=newc --reproducible --owner=0:0 --quiet) \
    | zstd -q -12 -T0 > "$stage/boot/initrd.img"

step "boot partition"
boot=$stage/boot
cp "$kernel_image" "$boot/vmlinuz"
# start_x/fixup_x: the firmware with the legacy camera stack (config.txt: start_x=1).
cp "$full"/usr/lib/raspi-firmware/{bootcode.bin,start_x.elf,fixup_x.dat,start4x.elf,fixup4x.dat} "$boot/"
# The HAT overlay merged into each board's tree here (fdtoverlay is deterministic), since the
# firmware cannot apply overlays to these mainline trees.
dtc -@ -q -I dts -O dtb -o "$stage/airsign-hat.dtbo" "$HERE/dt/airsign-hat.dts"
for dtb in "${BOARDS[@]}"; do
    fdtoverlay -i "$full/usr/lib/linux-image-$kver/broadcom/$dtb.dtb" -o "$boot/$dtb-airsign.dtb" \
        "$stage/airsign-hat.dtbo"
done
python3 "$HERE/check_dtb.py" "$boot"/bcm2837-*-airsign.dtb
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
mb() { echo $(( ($1 + 999999) / 1000000 )); }  # decimal megabytes, rounded up: the stricter reading
image_bytes=$(stat -c %s "$OUT/$image")
initrd_bytes=$(stat -c %s "$OUT/airsign-$KERNEL_VARIANT.initrd.img")
printf 'sizes: unpacked root %s MB (target <= %s), SD image %s MB (target <= %s), initramfs %s MB\n' \
    "$(mb "$root_bytes")" "$MAX_ROOT_MB" "$(mb "$image_bytes")" "$MAX_IMAGE_MB" "$(mb "$initrd_bytes")" \
    | tee "$OUT/airsign-$KERNEL_VARIANT.sizes"
[ "$(mb "$root_bytes")" -le "$MAX_ROOT_MB" ] || { echo "build: the unpacked root is over target" >&2; exit 1; }
[ "$(mb "$image_bytes")" -le "$MAX_IMAGE_MB" ] || { echo "build: the SD image is over target" >&2; exit 1; }
