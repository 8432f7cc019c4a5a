#!/usr/bin/env bash
# Boot the image's kernel and initramfs under qemu-system-aarch64, run the real appliance
# through a scripted session inside, read its screens back and check them, and assert every
# line: on -M virt with a virtual NIC attached on purpose (the network negative test), and on
# -M raspi3b with the Pi Zero 2 W's own device tree at 448 and 384 MB of ARM memory.
#
#   image-build/boot-test.sh [stock|nonet]      (make image-test / make image-test KERNEL=nonet)
set -euo pipefail
VARIANT=${1:-stock}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
OUT=$HERE/out
TIMEOUT=${AIRSIGN_BOOT_TIMEOUT:-900}
img=$OUT/airsign-$VARIANT.img
kernel=$OUT/airsign-$VARIANT.vmlinuz
initrd=$OUT/airsign-$VARIANT.initrd.img

"$HERE/host-deps.sh"
"$REPO/scripts/bootstrap.sh"  # .venv: the host side of the session (rehearsal, checks)
[ -f "$img" ] && [ -f "$initrd" ] || "$HERE/build.sh" "$VARIANT"

fail() { echo "image-test: FAIL: $*" >&2; exit 1; }

echo "== static checks of the boot partition"
offset=$(python3 "$HERE/partition_offset.py" "$img" 1)
config=$(mtype -i "$img@@$offset" ::config.txt)
cmdline=$(mtype -i "$img@@$offset" ::cmdline.txt)
for want in "arm_64bit=1" "kernel=vmlinuz" "initramfs initrd.img followkernel" "upstream_kernel=1" \
            "start_x=1" "gpu_mem=128" "[pi02]" "device_tree=bcm2837-rpi-zero-2-w-airsign.dtb" \
            "device_tree=bcm2837-rpi-3-b-airsign.dtb"; do
    grep -qxF "$want" <<<"$config" || fail "config.txt lacks '$want'"
done
# The Zero 2 W section must be the one that names its tree (and no dtparam/dtoverlay anywhere).
sed -n '/^\[pi02\]$/,/^\[/p' <<<"$config" | grep -qxF "device_tree=bcm2837-rpi-zero-2-w-airsign.dtb" \
    || fail "config.txt's [pi02] section does not choose the Zero 2 W tree"
grep -qE '^dt(param|overlay)=' <<<"$config" && fail "config.txt has dtparam/dtoverlay lines the mainline trees ignore"
for want in "rdinit=/init" "rootfstype=ramfs" "cma=" "ipv6.disable=1" "airsign.mode=run" "module_blacklist="; do
    grep -qF "$want" <<<"$cmdline" || fail "cmdline.txt lacks '$want'"
done
blacklist=$(grep -o 'module_blacklist=[^ ]*' <<<"$cmdline")
for module in virtio_net bluetooth cfg80211 brcmfmac lan78xx smsc95xx g_ether; do
    grep -qE "[=,]$module(,|$)" <<<"$blacklist" || fail "module_blacklist lacks $module"
done
for file in vmlinuz initrd.img bootcode.bin start_x.elf fixup_x.dat start4x.elf fixup4x.dat \
            bcm2837-rpi-zero-2-w-airsign.dtb bcm2837-rpi-3-b-airsign.dtb bcm2711-rpi-4-b-airsign.dtb; do
    mdir -i "$img@@$offset" "::$file" >/dev/null 2>&1 || fail "boot partition lacks $file"
done
work=$OUT/boot-test-$VARIANT
rm -rf "$work" && mkdir -p "$work"
for board in bcm2837-rpi-zero-2-w bcm2837-rpi-3-b; do
    mcopy -n -i "$img@@$offset" "::$board-airsign.dtb" "$work/"
done
python3 "$HERE/check_dtb.py" "$work"/bcm2837-rpi-zero-2-w-airsign.dtb "$work"/bcm2837-rpi-3-b-airsign.dtb \
    || fail "the merged device trees"
# The camera module's driver (the firmware's legacy stack) and the CPU-frequency drivers.
root_list=$(zstd -dc "$initrd" | cpio -t --quiet 2>/dev/null)
if [ "$VARIANT" = stock ]; then
    # (spidev is built into Debian's kernel)
    for module in bcm2835-v4l2 vchiq raspberrypi-cpufreq cpufreq-dt spi-bcm2835 uvcvideo; do
        grep -qE "/$module\.ko(\.[a-z]+)?$" <<<"$root_list" || fail "the root lacks the $module module"
    done
else
    kconfig=$OUT/airsign-nonet.kconfig  # written by build.sh with the kernel it put on the image
    for option in VIDEO_BCM2835 BCM2835_VCHIQ ARM_RASPBERRYPI_CPUFREQ CPUFREQ_DT SPI_SPIDEV SPI_BCM2835 CMA; do
        grep -qx "CONFIG_$option=y" "$kconfig" || fail "the nonet kernel lacks CONFIG_$option"
    done
fi
unpacked=$(zstd -dc "$initrd" | wc -c)
image_bytes=$(stat -c %s "$img")
echo "static checks passed; unpacked root $(( unpacked / 1000000 )) MB (cpio; target <= 120)," \
    "SD image $(( image_bytes / 1000000 )) MB (target <= 100)"
[ "$unpacked" -le 120000000 ] || fail "the unpacked root is over 120 MB"
[ "$image_bytes" -le 100000000 ] || fail "the SD image is over 100 MB"

# The appliance's scripted session (keystore, camera frames, keys), rehearsed on the host and
# packed as a second initramfs archive: the image itself carries no test data.
echo "== the appliance session (rehearsed on the host)"
fixture=$work/fixture
PYTHONPATH="$REPO:$REPO/tests" "$REPO/.venv/bin/python" "$HERE/appliance_fixture.py" "$fixture" 64
test_initrd=$work/initrd-with-session.img
cp "$initrd" "$test_initrd"
truncate -s %512 "$test_initrd"  # the kernel skips the zero padding between archives
(cd "$fixture" && find selftest -print0 | LC_ALL=C sort -z \
    | cpio --null --create --format=newc --reproducible --owner=0:0 --quiet) >> "$test_initrd"
append=$(sed -e 's/console=tty1 quiet/console=ttyAMA0/' -e 's/airsign.mode=run/airsign.mode=selftest/' \
             -e 's/ airsign.keystore=[^ ]*//' <<<"$cmdline")

expect() { grep -qF "$1" "$2" || fail "missing from the guest's output: '$1' (log: $2)"; }

# boot NAME INITRD QEMU-ARGS...: run the guest to power-off (or the timeout), log in $work/NAME.log
boot() {
    local name=$1 boot_initrd=$2; shift 2
    local log=$work/$name.log
    echo "== $name: qemu-system-aarch64 $* (timeout ${TIMEOUT}s)"
    local started=$SECONDS status
    set +e
    timeout --kill-after=10 "$TIMEOUT" qemu-system-aarch64 "$@" -nographic -no-reboot \
        -kernel "$kernel" -initrd "$boot_initrd" -append "$append" </dev/null >"$log.raw" 2>&1
    status=$?
    set -e
    tr -d '\r' < "$log.raw" > "$log" && rm -f "$log.raw"
    [ $status -eq 124 ] && fail "the guest did not power off within ${TIMEOUT}s (log: $log)"
    echo "   guest ran $(( SECONDS - started )) s"
    expect "AIRSIGN-SELFTEST-OK" "$log"
}

# The guest's appliance: scripted through unlock, a refused danger, review and signing; its
# screens read back here and the signatures verified without embit.
check_appliance() {
    local log=$work/$1.log mib
    expect "airsign-init: starting: -m ui.cli run --display png:" "$log"
    PYTHONPATH="$REPO:$REPO/tests" "$REPO/.venv/bin/python" "$HERE/check_appliance.py" "$log" "$fixture" \
        || fail "the appliance's session in $1"
    grep -o 'airsign-init: appliance: .*' "$log" || true
    mib=$(sed -n 's/.*lowest MemAvailable \([0-9]*\) MiB.*/\1/p' "$log" | head -1)
    [ -n "$mib" ] && [ "$mib" -ge "${2:-0}" ] || fail "$1: lowest MemAvailable ${mib:-?} MiB while signing (target >= ${2:-0})"
}

# 1. -M virt with a virtio NIC attached on purpose: the network negative test (the image's own
# initramfs: no appliance session, which the raspi3b boots run).
boot virt "$initrd" -M virt -cpu cortex-a53 -smp 2 -m 1536 \
    -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0,romfile=
log=$work/virt.log
# The negative test only means something if the guest really has a network card to find.
expect "pci 0000:00:01.0: [1af4:1000] type 00 class 0x020000" "$log"
expect "selftest: secp256k1 backend: libsecp256k1" "$log"
expect "AIRSIGN-APP-SELFTEST-OK" "$log"
expect "probe: AF_INET6 socket: refused" "$log"
expect "probe: AF_BLUETOOTH socket: refused" "$log"
if [ "$VARIANT" = nonet ]; then
    # No networking code at all: no /sys/class/net, and every socket call is ENOSYS.
    expect "probe: network interfaces: none" "$log"
    for family in AF_INET AF_UNIX AF_PACKET AF_NETLINK; do
        expect "probe: $family socket: refused (Function not implemented)" "$log"
    done
else
    expect "probe: network interfaces: lo" "$log"
    # The pure-Python V4L2 capture, against the kernel's vivid virtual camera.
    expect "selftest: camera: 3 frames of 640x480 from v4l2:0" "$log"
fi
grep -q "eth0" "$log" && fail "a network interface appeared in the guest"

# 2. raspi3b with the Zero 2 W's own (merged) tree at its ARM memory: 448 MB (gpu_mem=64) and
# 384 MB (gpu_mem=128, the camera's setting). QEMU gives the VideoCore the rest of the 1 GB.
for split in 448:0x24000000 384:0x28000000; do
    mb=${split%%:*}
    boot "raspi3b-${mb}" "$test_initrd" -M raspi3b -m 1G -global "bcm2835-peripherals.vcram-size=${split#*:}" \
        -dtb "$work/bcm2837-rpi-zero-2-w-airsign.dtb"
    log=$work/raspi3b-$mb.log
    grep -q "Initramfs unpacking failed" "$log" && fail "raspi3b-$mb: the initramfs did not unpack"
    total=$(sed -n 's/.*MemTotal \([0-9]*\) MiB.*/\1/p' "$log" | head -1)
    echo "   MemTotal ${total:-?} MiB"
    # The HAT: SPI0 and the BCM GPIO controller (lines = BCM numbers), driven by the app.
    expect "selftest: hat: st7789: initialised, one 240x240 frame pushed over /dev/spidev0.0" "$log"
    expect "selftest: hat: keys: 8 lines sampled on /dev/gpiochip0 (BCM up=6:" "$log"
    if [ "$VARIANT" = stock ]; then
        for module in bcm2835_v4l2 vchiq raspberrypi_cpufreq cpufreq_dt spi_bcm2835; do
            grep -E "^airsign-init: modules loaded: " "$log" | grep -qw "$module" \
                || fail "raspi3b-$mb: $module was not loaded"
        done
    fi
    check_appliance "raspi3b-$mb" $([ "$mb" = 384 ] && echo 64)
done
echo "image-test ($VARIANT): passed; guest logs in $work/"
