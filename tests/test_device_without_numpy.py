"""The device image has neither numpy nor OpenCV: everything `airsign run` needs works without
them (QR rendering and reading, camera frames, the display's pixel packing, camera entropy)."""

import subprocess
import sys
import textwrap

from conftest import REPO

# Runs in a fresh interpreter where importing numpy or cv2 fails, as on the image.
DEVICE_PATH = textwrap.dedent('''
    import sys
    sys.modules["numpy"] = None
    sys.modules["cv2"] = None
    import importlib, pkgutil
    import signer, ui
    for package in (signer, ui):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.startswith("ui.demo") and not module.name.endswith("__main__"):
                importlib.import_module(module.name)

    from PIL import Image
    from signer.seed.entropy import camera_health
    from ui.backends.display import rgb565
    from ui.backends.v4l2 import PIX_FMT_I420, PIX_FMT_YUYV, FrameLayout, luminance
    from ui.qr.render import QRRenderer
    from ui.scan.decoders import get_decoder

    code = QRRenderer(240, version=5).render("UR:BYTES/HELLO")
    for name in ("zxing", "pyzbar"):
        assert get_decoder(name).decode(code) == ["UR:BYTES/HELLO"], name

    # Every 5-6-5 bit pattern, big-endian (the ST7789's order), against the formula.
    pixels = [(r << 3, g << 2, b << 3) for r in range(32) for g in range(64) for b in (0, 31)]
    image = Image.new("RGB", (len(pixels), 1))
    image.putdata(pixels)
    packed = rgb565(image, big_endian=True)
    for index, (r, g, b) in enumerate(pixels):
        want = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)
        assert int.from_bytes(packed[2 * index : 2 * index + 2], "big") == want

    # A camera's YUYV and I420 buffers carrying the QR code read back as the code.
    y = code.tobytes()
    yuyv = bytes(b for pair in zip(y, b"\\x80" * len(y)) for b in pair)
    for fmt, data, stride in ((PIX_FMT_YUYV, yuyv, 480), (PIX_FMT_I420, y + b"\\x80" * 28800, 240)):
        frame = luminance(data, FrameLayout(240, 240, fmt, stride))
        assert frame.tobytes() == y
        assert get_decoder().decode(frame) == ["UR:BYTES/HELLO"]

    noisy = [Image.effect_noise((64, 48), 20 + n) for n in range(4)]
    assert camera_health(noisy).estimated_bits > 32
    assert "numpy" not in sys.modules or sys.modules["numpy"] is None
    print("device path ok")
''')


def test_the_device_path_runs_without_numpy_or_opencv() -> None:
    result = subprocess.run([sys.executable, "-c", DEVICE_PATH], cwd=REPO, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "device path ok"
