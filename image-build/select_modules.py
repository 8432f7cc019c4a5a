#!/usr/bin/env python3
"""Pick the kernel modules the appliance needs, and none that can give it a network.

Reads the full module tree of Debian's arm64 kernel (with a modules.dep made by depmod),
keeps modules under ALLOWED that are not under DENIED, adds their dependencies, and drops
any module whose dependency chain would pull in a network module. Prints the kept paths.
"""

import sys
from pathlib import Path

# Storage (the keystore partition), SPI/GPIO (the HAT), cameras (UVC and the Pi camera stack),
# USB host controllers (dwc2 needs the gadget UDC core; gadget *functions*, which include USB
# networking, stay out), the hardware RNG, the watchdog (power-off on the Pi), FAT, and virtio
# PCI/MMIO so the emulated boot test enumerates its deliberately driverless NIC.
ALLOWED = (
    "kernel/drivers/mmc/", "kernel/drivers/spi/", "kernel/drivers/gpio/",
    "kernel/drivers/pinctrl/", "kernel/drivers/clk/", "kernel/drivers/mailbox/",
    "kernel/drivers/firmware/", "kernel/drivers/soc/", "kernel/drivers/dma/",
    "kernel/drivers/reset/", "kernel/drivers/regulator/", "kernel/drivers/pwm/",
    "kernel/drivers/media/usb/uvc/", "kernel/drivers/media/v4l2-core/",
    "kernel/drivers/media/mc/", "kernel/drivers/media/common/",
    "kernel/drivers/media/i2c/", "kernel/drivers/staging/vc04_services/",
    "kernel/drivers/usb/dwc2/", "kernel/drivers/usb/host/", "kernel/drivers/usb/common/",
    "kernel/drivers/usb/core/", "kernel/drivers/usb/gadget/udc/core",
    "kernel/drivers/pci/controller/", "kernel/drivers/phy/",
    "kernel/drivers/char/hw_random/", "kernel/drivers/watchdog/bcm2835_wdt",
    "kernel/drivers/i2c/", "kernel/drivers/thermal/", "kernel/drivers/hwmon/raspberrypi",
    "kernel/drivers/virtio/", "kernel/fs/fat/", "kernel/fs/nls/", "kernel/lib/",
    "kernel/crypto/",
    # vivid, the kernel's virtual camera: loaded only by the boot test's self-test, to prove the
    # V4L2 capture path against a real driver under emulation.
    "kernel/drivers/media/test-drivers/vivid/",
)
DENIED = (
    "kernel/net/", "kernel/drivers/net/", "kernel/drivers/bluetooth/", "kernel/drivers/nfc/",
    "kernel/drivers/usb/gadget/function/", "kernel/drivers/usb/gadget/legacy/",
    "kernel/drivers/usb/gadget/libcomposite", "kernel/drivers/usb/class/cdc-",
    "kernel/drivers/infiniband/",
    "kernel/drivers/atm/", "kernel/drivers/isdn/", "kernel/drivers/ieee802154/",
    "kernel/drivers/media/usb/dvb", "kernel/drivers/media/dvb", "kernel/lib/test_",
)


def main(moddir: Path) -> int:
    deps: dict[str, list[str]] = {}
    for line in (moddir / "modules.dep").read_text().splitlines():
        name, _, rest = line.partition(":")
        deps[name] = rest.split()

    def denied(path: str) -> bool:
        return path.startswith(DENIED)

    kept: set[str] = set()
    for module, needs in deps.items():
        if not module.startswith(ALLOWED) or denied(module):
            continue
        closure = {module, *needs}
        if any(denied(d) for d in closure):
            print(f"select_modules: leaving out {module}: it needs a network module",
                  file=sys.stderr)
            continue
        kept |= closure
    for path in sorted(kept):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
