#!/usr/bin/env python3
"""Pick the kernel modules the appliance needs, and none that can give it a network.

Reads the full module tree of Debian's arm64 kernel (with a modules.dep made by depmod),
keeps modules under ALLOWED that are not under DENIED, adds their dependencies, and drops
any module whose dependency chain would pull in a network module. Prints the kept paths.
"""

import sys
from pathlib import Path

# Only what the kit needs (Pi Zero 2 W, 3, 4 with the display HAT and a camera): the SD
# controllers and the keystore's FAT; SPI and spidev for the panel; the camera module through
# VCHIQ (bcm2835-v4l2) and USB UVC cameras with the V4L2 core; the USB host controllers (dwc2;
# the Pi 4's xHCI behind its PCIe bridge; dwc2 needs the gadget UDC core, gadget *functions*,
# which include USB networking, stay out); the RNG, watchdog (power-off), thermal sensors and
# CPU-frequency drivers; virtio PCI so the emulated boot test enumerates its driverless NIC,
# and vivid, the kernel's virtual camera, loaded only by the boot test's self-test to prove the
# V4L2 capture path against a real driver. Dependencies are added below.
ALLOWED = (
    "kernel/drivers/mmc/core/", "kernel/drivers/mmc/host/sdhci.", "kernel/drivers/mmc/host/bcm2835",
    "kernel/drivers/mmc/host/sdhci-pltfm", "kernel/drivers/mmc/host/sdhci-iproc", "kernel/fs/fat/",
    "kernel/fs/nls/nls_cp437", "kernel/fs/nls/nls_utf8",
    "kernel/fs/nls/nls_iso8859-1", "kernel/drivers/spi/spi-bcm2835", "kernel/drivers/spi/spidev",
    "kernel/drivers/i2c/busses/i2c-bcm2835", "kernel/drivers/staging/vc04_services/",
    "kernel/drivers/media/usb/uvc/", "kernel/drivers/usb/dwc2/", "kernel/drivers/usb/host/xhci-",
    "kernel/drivers/usb/gadget/udc/udc-core", "kernel/drivers/pci/controller/pcie-brcmstb",
    "kernel/drivers/reset/reset-raspberrypi", "kernel/drivers/gpio/gpio-raspberrypi-exp",
    "kernel/drivers/char/hw_random/bcm2835-rng", "kernel/drivers/char/hw_random/iproc-rng200",
    "kernel/drivers/watchdog/bcm2835_wdt", "kernel/drivers/thermal/broadcom/",
    "kernel/drivers/hwmon/raspberrypi-hwmon", "kernel/drivers/cpufreq/raspberrypi-cpufreq",
    "kernel/drivers/cpufreq/cpufreq-dt", "kernel/drivers/virtio/virtio_pci",
    "kernel/drivers/media/test-drivers/vivid/",
)
DENIED = (
    "kernel/net/", "kernel/drivers/net/", "kernel/drivers/bluetooth/", "kernel/drivers/nfc/",
    "kernel/drivers/usb/gadget/function/", "kernel/drivers/usb/gadget/legacy/",
    "kernel/drivers/usb/gadget/libcomposite", "kernel/drivers/usb/class/cdc-",
    "kernel/drivers/infiniband/",
    "kernel/drivers/atm/", "kernel/drivers/isdn/", "kernel/drivers/ieee802154/",
    "kernel/drivers/media/usb/dvb", "kernel/drivers/media/dvb", "kernel/lib/test_",
    "kernel/drivers/staging/vc04_services/bcm2835-audio/",  # no sound on the appliance
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
