#!/usr/bin/env bash
# Build the "nonet" arm64 kernel (CONFIG_NET=n, no modules) from Debian's linux-source package
# with the aarch64 cross compiler. Cached in $1 (the image cache) by the config's hash; prints
# the path of the kernel Image on stdout, everything else on stderr.
set -euo pipefail
CACHE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
key=$(cat "$HERE/kernel-nonet.config" | sha256sum | cut -c1-16)
image=$CACHE/kernel-nonet-$key/Image
if [ -f "$image" ]; then echo "$image"; exit 0; fi
need=()
for pair in aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu flex:flex bison:bison bc:bc; do
    command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
[ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
[ -f /usr/include/libelf.h ] || need+=(libelf-dev)
ls /usr/src/linux-source-6.1.tar.* >/dev/null 2>&1 || need+=(linux-source-6.1)
if [ ${#need[@]} -gt 0 ]; then
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >&2
fi
work=$CACHE/kernel-nonet-src
if [ ! -d "$work" ]; then
    mkdir -p "$work.part"
    tar -xf /usr/src/linux-source-6.1.tar.* -C "$work.part" --strip-components=1
    mv "$work.part" "$work"
fi
make_k() { make -C "$work" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
    KBUILD_BUILD_TIMESTAMP="@${SOURCE_DATE_EPOCH:-1700000000}" KBUILD_BUILD_USER=airsign \
    KBUILD_BUILD_HOST=airsign "$@" >&2; }
make_k KCONFIG_ALLCONFIG="$HERE/kernel-nonet.config" allnoconfig
if grep -q '^CONFIG_NET=y' "$work/.config"; then
    echo "build-kernel: CONFIG_NET is still enabled: refusing" >&2; exit 1
fi
make_k -j"$(nproc)" Image dtbs
mkdir -p "$(dirname "$image")"
cp "$work/arch/arm64/boot/Image" "$image"
cp "$work/.config" "$(dirname "$image")/config"
mkdir -p "$(dirname "$image")/dtbs" && cp "$work"/arch/arm64/boot/dts/broadcom/*.dtb "$(dirname "$image")/dtbs/"
echo "$image"
