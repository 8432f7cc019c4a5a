#!/usr/bin/env bash
# Boot the image's kernel and initramfs under qemu-system-aarch64 (-M virt, Cortex-A53) with a
# virtual NIC attached on purpose, run the app's self-test inside, and assert every line.
#
#   image-build/boot-test.sh [stock|nonet]      (make image-test / make image-test KERNEL=nonet)
set -euo pipefail
VARIANT=${1:-stock}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/out
TIMEOUT=${AIRSIGN_BOOT_TIMEOUT:-900}
img=$OUT/airsign-$VARIANT.img
kernel=$OUT/airsign-$VARIANT.vmlinuz
initrd=$OUT/airsign-$VARIANT.initrd.img

"$HERE/host-deps.sh"
[ -f "$img" ] && [ -f "$initrd" ] || "$HERE/build.sh" "$VARIANT"

fail() { echo "image-test: FAIL: $*" >&2; exit 1; }

echo "== static checks of the boot partition"
offset=$(python3 "$HERE/partition_offset.py" "$img" 1)
config=$(mtype -i "$img@@$offset" ::config.txt)
cmdline=$(mtype -i "$img@@$offset" ::cmdline.txt)
for want in "arm_64bit=1" "kernel=vmlinuz" "initramfs initrd.img followkernel" "upstream_kernel=1"; do
    grep -qxF "$want" <<<"$config" || fail "config.txt lacks '$want'"
done
for want in "rdinit=/init" "ipv6.disable=1" "airsign.mode=run" "module_blacklist="; do
    grep -qF "$want" <<<"$cmdline" || fail "cmdline.txt lacks '$want'"
done
blacklist=$(grep -o 'module_blacklist=[^ ]*' <<<"$cmdline")
for module in virtio_net bluetooth cfg80211 brcmfmac lan78xx smsc95xx g_ether; do
    grep -qE "[=,]$module(,|$)" <<<"$blacklist" || fail "module_blacklist lacks $module"
done
for file in vmlinuz initrd.img bootcode.bin start.elf fixup.dat start4.elf fixup4.dat \
            bcm2837-rpi-3-b.dtb bcm2837-rpi-zero-2-w.dtb bcm2711-rpi-4-b.dtb; do
    mdir -i "$img@@$offset" "::$file" >/dev/null 2>&1 || fail "boot partition lacks $file"
done
echo "static checks passed"

echo "== booting under qemu-system-aarch64 (timeout ${TIMEOUT}s)"
log=$OUT/boot-test-$VARIANT.log
append="console=ttyAMA0 rdinit=/init ipv6.disable=1 $blacklist airsign.mode=selftest"
# restrict=on: the user-mode NIC cannot reach anything even if a driver appeared.
set +e
timeout --kill-after=10 "$TIMEOUT" qemu-system-aarch64 -M virt -cpu cortex-a53 -smp 2 -m 1536 \
    -nographic -no-reboot -kernel "$kernel" -initrd "$initrd" -append "$append" \
    -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0,romfile= \
    </dev/null >"$log" 2>&1
status=$?
set -e
[ $status -eq 124 ] && fail "the guest did not power off within ${TIMEOUT}s (log: $log)"
tr -d '\r' < "$log" > "$log.txt"
expect() { grep -qF "$1" "$log.txt" || fail "missing from the guest's output: '$1' (log: $log.txt)"; }
# The negative test only means something if the guest really has a network card to find.
expect "pci 0000:00:01.0: [1af4:1000] type 00 class 0x020000"
expect "airsign-init: starting: -m ui.cli selftest --image"
expect "selftest: secp256k1 backend: libsecp256k1"
expect "selftest: keystore unlocked"
expect "selftest: wallet registered: 2 of 3"
expect "selftest: receive address 0 verified"
expect "selftest: review: external 125,000, change 52,690"
expect "selftest: signed inputs: 0, 1"
expect "selftest: signatures verified: 2"
if [ "$VARIANT" = stock ]; then
    # The pure-Python V4L2 capture, against the kernel's vivid virtual camera.
    expect "selftest: camera: 3 frames of 640x480 from v4l2:0"
    # The HAT's key code (python-periphery over the GPIO character device) on QEMU's PL061.
    expect "selftest: gpio: 8 key lines sampled on /dev/gpiochip0"
fi
expect "AIRSIGN-APP-SELFTEST-OK"
expect "probe: AF_INET6 socket: refused"
expect "probe: AF_BLUETOOTH socket: refused"
if [ "$VARIANT" = nonet ]; then
    # No networking code at all: no /sys/class/net, and every socket call is ENOSYS.
    expect "probe: network interfaces: none"
    for family in AF_INET AF_UNIX AF_PACKET AF_NETLINK; do
        expect "probe: $family socket: refused (Function not implemented)"
    done
else
    expect "probe: network interfaces: lo"
fi
expect "AIRSIGN-SELFTEST-OK"
grep -q "eth0" "$log.txt" && fail "a network interface appeared in the guest"
echo "image-test ($VARIANT): passed; guest log in $log.txt"
