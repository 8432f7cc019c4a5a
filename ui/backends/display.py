"""Display backends: ST7789 over SPI, Linux framebuffer, desktop window, PNG/GIF recorder.

All take a PIL image of exactly their size. Heavy or hardware-only imports (python-periphery,
OpenCV, numpy for the window) happen when a backend is opened, not when this module is
imported.
"""

import os
import time
from pathlib import Path

from PIL import Image, ImageChops

from signer.errors import UsageError
from signer.secretfile import make_secret_dir
from ui.image_files import write_images


def rgb565(image: Image.Image, big_endian: bool) -> bytes:
    """Pack an RGB image as 16-bit 5-6-5 pixels (the ST7789 wants big-endian, fbdev native).

    Pillow's lookup tables build the two bytes of each pixel (red and green's top bits; green's
    low bits and blue); the bit fields do not overlap, so adding them is an OR.
    """
    red, green, blue = image.convert("RGB").split()
    high = ImageChops.add(red.point(lambda v: v & 0xF8), green.point(lambda v: v >> 5))
    low = ImageChops.add(green.point(lambda v: (v & 0x1C) << 3), blue.point(lambda v: v >> 3))
    return Image.merge("LA", (high, low) if big_endian else (low, high)).tobytes()


def _dimmed(image: Image.Image, percent: int) -> Image.Image:
    """Software brightness for panels without a dimmable backlight."""
    if percent >= 100:
        return image
    return image.point(lambda v: v * percent // 100)


class RecorderDisplay:
    """Headless: keeps every distinct frame, writes them as numbered PNGs (and a GIF on close).

    Tests read `frames`; docs use the PNGs and the animated GIF of a whole session. A screen
    may show the seed (words, SeedQR), so every file is private (signer.secretfile).
    """

    def __init__(self, size: tuple[int, int], directory: Path | None = None,
                 gif_name: str = "session.gif"):
        self.size = size
        self.directory = directory
        self.gif_name = gif_name
        self.frames: list[Image.Image] = []
        self._durations: list[float] = []
        self._shown_at = time.monotonic()
        if directory is not None:
            make_secret_dir(directory)

    def show(self, image: Image.Image) -> None:
        if image.size != self.size:
            raise UsageError(f"frame is {image.size}, display is {self.size}")
        if self.frames and ImageChops.difference(self.frames[-1], image).getbbox() is None:
            return
        now = time.monotonic()
        if self._durations:
            self._durations[-1] = now - self._shown_at
        self._shown_at = now
        self.frames.append(image.copy())
        self._durations.append(0.5)
        if self.directory is not None:
            write_images(self.directory / f"{len(self.frames):04d}.png", [image], secret=True)

    def set_brightness(self, percent: int) -> None:
        return None  # a recording keeps the true pixels

    def save_gif(self, path: Path) -> None:
        if not self.frames:
            return
        durations = [max(200, min(2000, round(d * 1000))) for d in self._durations]
        write_images(path, self.frames, secret=True, durations=durations)

    def close(self) -> None:
        if self.directory is not None:
            self.save_gif(self.directory / self.gif_name)


class FramebufferDisplay:
    """/dev/fbN: geometry and depth from /sys/class/graphics/fbN; RGB565 or 32-bit XRGB."""

    def __init__(self, device: str = "/dev/fb0", sysfs: Path = Path("/sys/class/graphics")):
        name = Path(device).name
        info = sysfs / name
        try:
            width, height = (int(v) for v in (info / "virtual_size").read_text().split(","))
            self.bits = int((info / "bits_per_pixel").read_text())
            stride_file = info / "stride"
            self.stride = int(stride_file.read_text()) if stride_file.exists() else 0
        except OSError as exc:
            raise UsageError(f"{device}: no framebuffer ({info}: {exc.strerror or exc})") from None
        except ValueError:
            raise UsageError(f"{device}: unreadable framebuffer geometry in {info}") from None
        if self.bits not in (16, 32):
            raise UsageError(f"{device} uses {self.bits} bits per pixel; 16 or 32 supported")
        self.size = (width, height)
        self.stride = self.stride or width * self.bits // 8
        self.device = device
        self.brightness = 100

    def _pack(self, image: Image.Image) -> bytes:
        if self.bits == 16:
            row_bytes = rgb565(image, big_endian=False)
        else:
            row_bytes = image.convert("RGB").convert("RGBA").tobytes("raw", "BGRA")
        pixel_row = self.size[0] * self.bits // 8
        if self.stride == pixel_row:
            return row_bytes
        padding = bytes(self.stride - pixel_row)
        return b"".join(row_bytes[y * pixel_row : (y + 1) * pixel_row] + padding
                        for y in range(self.size[1]))

    def show(self, image: Image.Image) -> None:
        data = self._pack(_dimmed(image, self.brightness))
        with open(self.device, "wb") as fb:
            fb.write(data)

    def set_brightness(self, percent: int) -> None:
        self.brightness = percent

    def close(self) -> None:
        return None


class WindowDisplay:
    """A desktop window (OpenCV), scaled up so a 240x240 screen is comfortable to read."""

    def __init__(self, size: tuple[int, int], scale: int = 3, title: str = "airsign"):
        # OpenCV's window is Qt on X11 (XWayland on a Wayland desktop): without an X display
        # Qt aborts the process with a page of plugin errors.
        if not os.environ.get("DISPLAY"):
            raise UsageError("no desktop display ($DISPLAY is not set): use --display "
                             "st7789 (the HAT), fb (a Linux console) or png:DIR (headless)")
        import cv2

        self.cv2 = cv2
        self.size = size
        self.scale = scale
        self.title = title
        self.brightness = 100
        cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE)

    def show(self, image: Image.Image) -> None:
        import numpy as np

        big = _dimmed(image, self.brightness).resize(
            (self.size[0] * self.scale, self.size[1] * self.scale), Image.Resampling.NEAREST
        )
        self.cv2.imshow(self.title, np.asarray(big)[..., ::-1])
        self.cv2.waitKey(1)

    def set_brightness(self, percent: int) -> None:
        self.brightness = percent

    def close(self) -> None:
        self.cv2.destroyWindow(self.title)


# ST7789 command bytes (Sitronix ST7789VW datasheet, section 9.1).
SWRESET, SLPOUT, NORON, INVON, DISPON = 0x01, 0x11, 0x13, 0x21, 0x29
CASET, RASET, RAMWR, MADCTL, COLMOD = 0x2A, 0x2B, 0x2C, 0x36, 0x3A
SPI_CHUNK = 4096  # spidev's default bufsiz


class ST7789Display:
    """The Waveshare 1.3" LCD HAT: ST7789 240x240 on SPI0 CE0, DC=GPIO25, RST=GPIO27, BL=GPIO24.

    SPI and GPIO go through python-periphery: pure Python over the kernel's
    spidev and GPIO character devices, so the image needs no compiled Pi-specific module. The
    command sequence and RGB565 framing follow the datasheet; this machine has no panel, so
    this class is not exercised by the tests (docs/ui.md, "Waveshare HAT"). The backlight pin
    is on or off; brightness dims the pixels, as the recorder does.
    """

    def __init__(self, size: tuple[int, int] = (240, 240), *, dc: int = 25, reset: int = 27,
                 backlight: int = 24, spi_hz: int = 40_000_000,
                 spi_device: str = "/dev/spidev0.0", gpio_chip: str = "/dev/gpiochip0"):
        try:
            from periphery import GPIO, SPI, GPIOError, SPIError
        except ImportError:
            raise UsageError("the ST7789 display needs python-periphery") from None
        self.size = size
        self.brightness = 100
        try:
            self.spi = SPI(spi_device, 0, spi_hz)
            self.dc = GPIO(gpio_chip, dc, "out")
            self.reset = GPIO(gpio_chip, reset, "out")
            self.backlight = GPIO(gpio_chip, backlight, "out")
        except (SPIError, GPIOError) as exc:
            raise UsageError(f"the ST7789 display is not reachable ({exc}): is SPI enabled "
                             "and the HAT seated?") from None
        self._init_panel()
        self.backlight.write(True)

    def _command(self, command: int, data: bytes = b"") -> None:
        self.dc.write(False)
        self.spi.transfer(bytes([command]))
        if data:
            self._data(data)

    def _data(self, data: bytes) -> None:
        self.dc.write(True)
        for start in range(0, len(data), SPI_CHUNK):
            self.spi.transfer(data[start : start + SPI_CHUNK])

    def _init_panel(self) -> None:
        self.reset.write(True)
        time.sleep(0.01)
        self.reset.write(False)
        time.sleep(0.01)
        self.reset.write(True)
        time.sleep(0.12)
        self._command(SWRESET)
        time.sleep(0.15)  # the datasheet asks for 120 ms before the next command
        self._command(SLPOUT)
        time.sleep(0.12)
        self._command(COLMOD, bytes([0x55]))  # 16 bits per pixel, RGB565
        self._command(MADCTL, bytes([0x00]))  # row/column order: top-left origin, RGB
        self._command(INVON)  # this IPS panel shows true colours only inverted
        self._command(NORON)
        self._command(DISPON)
        time.sleep(0.01)

    def show(self, image: Image.Image) -> None:
        width, height = self.size
        self._command(CASET, bytes([0, 0, (width - 1) >> 8, (width - 1) & 0xFF]))
        self._command(RASET, bytes([0, 0, (height - 1) >> 8, (height - 1) & 0xFF]))
        self._command(RAMWR)
        self._data(rgb565(_dimmed(image, self.brightness), big_endian=True))

    def set_brightness(self, percent: int) -> None:
        self.brightness = percent

    def close(self) -> None:
        self.backlight.write(False)
        for device in (self.spi, self.dc, self.reset, self.backlight):
            device.close()
