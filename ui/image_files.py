"""Images written to files: one PNG (or other still format), or an animated GIF. Frames that
may show the seed (a SeedQR, the device's screens) go through signer.secretfile."""

import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from signer.errors import UsageError
from signer.secretfile import write_secret_file


def image_bytes(images: Sequence[Image.Image], suffix: str,
                durations: int | list[int] = 500) -> bytes:
    """Several images: an animated GIF (durations in ms); one image: the format `suffix`
    names (a one-frame GIF for .gif)."""
    still = Image.registered_extensions().get(suffix.lower())
    buffer = io.BytesIO()
    if len(images) > 1 or still == "GIF":
        images[0].save(buffer, format="GIF", save_all=True, append_images=list(images[1:]),
                       duration=durations, loop=0)
    elif still is None:
        raise UsageError(f"cannot write a {suffix or 'suffix-less'} image file: name it "
                         ".png or .gif")
    else:
        images[0].save(buffer, format=still)
    return buffer.getvalue()


def write_images(path: Path, images: Sequence[Image.Image], *, secret: bool,
                 durations: int | list[int] = 500) -> None:
    data = image_bytes(images, path.suffix, durations)
    if secret:
        write_secret_file(path, data)
        return
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
