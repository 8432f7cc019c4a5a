#!/usr/bin/python3 -S
"""PID 1 of the airsign image: mount, load drivers for the hardware present, run the app, power off.

No systemd, no udev, no shell, no getty. Written in Python because Python is on the image anyway,
which keeps busybox (and with it ip, wget, nc and friends) off it. Kernel modules are loaded
with finit_module(2) in modules.dep order for every device modalias found in /sys (coldplug),
except modules listed in /etc/airsign/blocked-modules: the network ones are not on the image at
all, and the list keeps them out even if someone copies one in.
"""

import base64
import ctypes
import fnmatch
import glob
import os
import subprocess
import sys
import threading
import time

LIBC = ctypes.CDLL(None, use_errno=True)
SYS_FINIT_MODULE = {"aarch64": 273, "armv7l": 379, "x86_64": 313}[os.uname().machine]
RB_POWER_OFF = 0x4321FEDC
KEYSTORE_DIR = "/keystore"
# Loaded by name whatever coldplug found: the HAT (SPI, spidev), the camera module through the
# firmware's legacy stack (bcm2835-v4l2 over VCHIQ) and USB cameras, CPU frequency scaling
# (without it a Pi 3-class board stays at 600 MHz), the RNG, and the keystore's FAT.
KIT_MODULES = ("spi_bcm2835", "spidev", "i2c_bcm2835", "bcm2835_rng", "vchiq", "bcm2835_v4l2",
               "uvcvideo", "raspberrypi_cpufreq", "cpufreq_dt", "vfat", "nls_cp437",
               "nls_iso8859_1")
# The boot test's session for the real appliance, packed as an extra initramfs archive by
# boot-test.sh (appliance_fixture.py); the image itself has no /selftest.
SELFTEST = "/selftest"
SCREENS = "/run/airsign-screens"


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
    for extra in KIT_MODULES:
        loader.load(extra)
    cmdline = kernel_cmdline()
    keystore_device = cmdline.get("airsign.keystore", "/dev/mmcblk0p2")
    os.makedirs(KEYSTORE_DIR, exist_ok=True)
    for _ in range(20):  # the SD controller may need a moment after its module loads
        if os.path.exists(keystore_device):
            mount(keystore_device, KEYSTORE_DIR, "vfat", "umask=0077")
            break
        time.sleep(0.1)
    mode = cmdline.get("airsign.mode", "run")
    if mode == "selftest":
        run_selftest(loader)
    elif mode == "report":
        write_report(hardware_report(f"{KEYSTORE_DIR}/keystore"))
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
    """The boot test: the real appliance (`airsign run`) through a scripted session, its
    screens dumped on the console for the host to read; the hardware paths the emulator has
    (camera, the HAT's SPI and GPIO); then a probe reports the network."""
    loader.load("vivid")
    print(f"airsign-init: modules loaded: {' '.join(sorted(loaded_modules()))}", flush=True)
    app = run_appliance() if os.path.isdir(SELFTEST) else 0
    checks = ["--camera", "v4l2:0"] if os.path.exists("/dev/video0") else []
    if os.path.exists("/dev/spidev0.0"):
        checks.append("--hat")
    hardware = run([sys.executable, "-m", "ui.cli", "selftest", "--image", *checks])
    report = hardware_report(f"{SELFTEST}/keystore")
    print(report, flush=True)
    doctor = 0 if "airsign doctor: exit 0" in report else 1
    probe = run([sys.executable, "/usr/lib/airsign-image/probe_network.py"])
    if app == 0 and hardware == 0 and doctor == 0 and probe == 0:
        print("AIRSIGN-SELFTEST-OK", flush=True)


def hardware_report(keystore: str) -> str:
    """`airsign doctor` and the kernel's view of the kit: what a user compares with the
    README's checklist (airsign.mode=report writes it to the keystore partition)."""
    doctor = subprocess.run([sys.executable, "-m", "ui.cli", "doctor", "--keystore", keystore],
                            capture_output=True, text=True, check=False)
    lines = ["== airsign hardware report", doctor.stdout.rstrip(), doctor.stderr.rstrip(),
             f"airsign doctor: exit {doctor.returncode}",
             f"kernel: {os.uname().release}",
             f"modules: {' '.join(sorted(loaded_modules())) or '(built in)'}"]
    for pattern in ("/dev/video*", "/dev/spidev*", "/dev/gpiochip*"):
        found = sorted(glob.glob(pattern))
        lines.append(f"{pattern}: {' '.join(found) or 'none'}")
    for name in ("scaling_driver", "scaling_cur_freq", "scaling_max_freq"):
        lines.append(f"cpufreq {name}: {read_text(f'/sys/devices/system/cpu/cpu0/cpufreq/{name}')}")
    lines.append(f"memory: MemTotal {meminfo('MemTotal')} MiB, MemAvailable "
                 f"{meminfo('MemAvailable')} MiB")
    lines.append("== end of report")
    return "\n".join(line for line in lines if line)


def read_text(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return "none"


def write_report(report: str) -> None:
    print(report, flush=True)
    if os.path.ismount(KEYSTORE_DIR):
        with open(f"{KEYSTORE_DIR}/report.txt", "w") as handle:
            handle.write(report + "\n")
        log("report written to the keystore partition (report.txt)")


def loaded_modules() -> list[str]:
    try:
        with open("/proc/modules") as handle:
            return [line.split()[0] for line in handle]
    except FileNotFoundError:  # the nonet kernel has no module support
        return []


def meminfo(field: str) -> int:
    """A /proc/meminfo field in MiB."""
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) // 1024
    return 0


def available_mib() -> int:
    return meminfo("MemAvailable")


def run_appliance() -> int:
    """`airsign run` as on the device, with the recorder display and the session's keys and
    camera frames; the lowest MemAvailable while it runs is the memory figure."""
    lowest = [available_mib()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            lowest[0] = min(lowest[0], available_mib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    try:
        status = run([sys.executable, "-m", "ui.cli", "run", "--display", f"png:{SCREENS}",
                      "--input", f"script:{SELFTEST}/keys.txt",
                      "--camera", f"{SELFTEST}/camera", "--keystore", f"{SELFTEST}/keystore"])
    finally:
        done.set()
        sampler.join()
    log(f"appliance: {time.monotonic() - started:.0f} s; memory: MemTotal "
        f"{meminfo('MemTotal')} MiB, lowest MemAvailable {lowest[0]} MiB")
    for name in sorted(os.listdir(SCREENS)) if os.path.isdir(SCREENS) else []:
        if name.endswith(".png"):
            with open(os.path.join(SCREENS, name), "rb") as handle:
                data = base64.b64encode(handle.read()).decode()
            print(f"AIRSIGN-SCREEN {name} {data}", flush=True)
    return status


if __name__ == "__main__":
    try:
        main()
    finally:
        power_off()  # PID 1 must never return: the kernel would panic
