#!/usr/bin/python3 -S
"""PID 1 of the airsign image: mount, load drivers for the hardware present, run the app, power off.

No systemd, no udev, no shell, no getty. Written in Python because Python is on the image anyway,
which keeps busybox (and with it ip, wget, nc and friends) off it. Kernel modules are loaded
with finit_module(2) in modules.dep order for every device modalias found in /sys (coldplug),
except modules listed in /etc/airsign/blocked-modules: the network ones are not on the image at
all, and the list keeps them out even if someone copies one in.
"""

import ctypes
import fnmatch
import os
import subprocess
import sys
import time

LIBC = ctypes.CDLL(None, use_errno=True)
SYS_FINIT_MODULE = {"aarch64": 273, "armv7l": 379, "x86_64": 313}[os.uname().machine]
RB_POWER_OFF = 0x4321FEDC
KEYSTORE_DIR = "/keystore"


def log(message: str) -> None:
    print(f"airsign-init: {message}", file=sys.stderr, flush=True)


def mount(source: str, target: str, fstype: str, options: str = "") -> None:
    os.makedirs(target, exist_ok=True)
    flags = 0x2 | 0x8  # MS_NOSUID | MS_NOEXEC, overridden below for /dev
    if target == "/dev":
        flags = 0x2
    if LIBC.mount(source.encode(), target.encode(), fstype.encode(), flags,
                  options.encode() or None) != 0:
        log(f"could not mount {fstype} on {target}: {os.strerror(ctypes.get_errno())}")


def kernel_cmdline() -> dict[str, str]:
    with open("/proc/cmdline") as handle:
        items = handle.read().split()
    return dict(item.partition("=")[::2] for item in items)


class ModuleLoader:
    def __init__(self) -> None:
        release = os.uname().release
        self.root = f"/lib/modules/{release}"
        self.deps: dict[str, list[str]] = {}
        self.path_of: dict[str, str] = {}
        self.aliases: list[tuple[str, str]] = []
        self.loaded: set[str] = set()
        self.blocked: set[str] = set()
        if not os.path.isdir(self.root):
            return
        with open(f"{self.root}/modules.dep") as handle:
            for line in handle:
                path, _, rest = line.strip().partition(":")
                name = self.name(path)
                self.path_of[name] = path
                self.deps[name] = [self.name(d) for d in rest.split()]
        with open(f"{self.root}/modules.alias") as handle:
            for line in handle:
                parts = line.split()
                if len(parts) == 3 and parts[0] == "alias":
                    self.aliases.append((parts[1], parts[2].replace("-", "_")))
        try:
            with open("/etc/airsign/blocked-modules") as handle:
                self.blocked = {w.replace("-", "_") for w in handle.read().split()}
        except FileNotFoundError:
            pass

    @staticmethod
    def name(path: str) -> str:
        return os.path.basename(path).split(".ko")[0].replace("-", "_")

    def load(self, name: str) -> None:
        if name in self.loaded or name in self.blocked or name not in self.path_of:
            return
        self.loaded.add(name)
        for dependency in reversed(self.deps[name]):
            self.load(dependency)
        with open(f"{self.root}/{self.path_of[name]}", "rb") as handle:
            LIBC.syscall(SYS_FINIT_MODULE, handle.fileno(), b"", 0)

    def coldplug(self) -> None:
        """Load a module for every device that asks for one; repeat while new devices appear."""
        seen: set[str] = set()
        for _ in range(4):
            found = set()
            for directory, _dirs, files in os.walk("/sys/devices"):
                if "modalias" in files:
                    try:
                        with open(os.path.join(directory, "modalias")) as handle:
                            found.add(handle.read().strip())
                    except OSError:
                        continue
            new = found - seen
            if not new:
                return
            seen |= new
            for alias in new:
                for pattern, module in self.aliases:
                    if fnmatch.fnmatchcase(alias, pattern):
                        self.load(module)
            time.sleep(0.2)


def power_off() -> None:
    os.sync()
    LIBC.reboot(RB_POWER_OFF)


def main() -> None:
    os.environ.update(PATH="/usr/sbin:/usr/bin:/sbin:/bin", HOME="/root", LANG="C.UTF-8",
                      PYTHONDONTWRITEBYTECODE="1")
    mount("proc", "/proc", "proc")
    mount("sysfs", "/sys", "sysfs")
    mount("devtmpfs", "/dev", "devtmpfs")
    mount("tmpfs", "/run", "tmpfs", "mode=0755")
    mount("tmpfs", "/tmp", "tmpfs", "mode=1777")
    loader = ModuleLoader()
    loader.coldplug()
    for extra in ("spidev", "spi_bcm2835", "i2c_bcm2835", "bcm2835_rng", "uvcvideo", "vfat",
                  "nls_cp437", "nls_iso8859_1"):
        loader.load(extra)
    cmdline = kernel_cmdline()
    keystore_device = cmdline.get("airsign.keystore", "/dev/mmcblk0p2")
    os.makedirs(KEYSTORE_DIR, exist_ok=True)
    for _ in range(20):  # the SD controller may need a moment after its module loads
        if os.path.exists(keystore_device):
            mount(keystore_device, KEYSTORE_DIR, "vfat", "umask=0077")
            break
        time.sleep(0.1)
    if cmdline.get("airsign.mode", "run") == "selftest":
        run_selftest(loader)
    else:
        run([sys.executable, "-m", "ui.cli", "run", "--display", "st7789", "--input", "gpio",
             "--camera", "camera:0", "--keystore", f"{KEYSTORE_DIR}/keystore"])
    power_off()


def run(command: list[str]) -> int:
    log(f"starting: {' '.join(command[1:])}")
    status = subprocess.run(command, check=False).returncode
    log(f"exited with status {status}: {' '.join(command[1:])}")
    return status


def run_selftest(loader: ModuleLoader) -> None:
    """The boot test: the real app signs end to end (and reads the kernel's virtual camera
    where the kernel has one), then a probe reports the network."""
    loader.load("vivid")
    camera = ["--camera", "v4l2:0"] if os.path.exists("/dev/video0") else []
    gpio = ["--gpio-chip", "/dev/gpiochip0"] if os.path.exists("/dev/gpiochip0") else []
    app = run([sys.executable, "-m", "ui.cli", "selftest", "--image", *camera, *gpio])
    probe = run([sys.executable, "/usr/lib/airsign-image/probe_network.py"])
    if app == 0 and probe == 0:
        print("AIRSIGN-SELFTEST-OK", flush=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        power_off()  # PID 1 must never return: the kernel would panic
