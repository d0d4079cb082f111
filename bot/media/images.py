"""Make a downloaded file a safe photo: a real image, not too many pixels, re-encoded small.

Nobody ever sees the file as it came: a 31 KB PNG can declare 16000×16000 pixels (1 GB in a
viewer's renderer), a "photo" can be HTML or a script, and a real photo carries EXIF (GPS,
phone model). The pixel count is read from the header before anything is decoded; then the
image is verified, decoded, shrunk to a bounded long side and saved afresh as JPEG (or PNG
when it has transparency), which drops EXIF and everything else the original carried.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from bot.media.safe_http import MediaRefused

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP", "BMP"})


class NotAPhoto(MediaRefused):
    pass


@dataclass(frozen=True)
class Photo:
    data: bytes
    suffix: str  # "jpg" or "png"
    width: int
    height: int


def sanitize(data: bytes, max_pixels: int, max_side: int) -> Photo:
    """The re-encoded photo, or NotAPhoto saying why the file is refused."""
    # Pillow's own guard, at our cap: it raises for twice the cap and warns above it.
    Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:  # reads the header only
                width, height = probe.size
                if probe.format not in ALLOWED_FORMATS:
                    raise NotAPhoto(f"not a photo format: {probe.format}")
                if width * height > max_pixels:
                    raise NotAPhoto(f"{width}×{height} pixels, the cap is {max_pixels}")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)
                image.draft("RGB", (max_side, max_side))  # a JPEG decodes at a reduced scale: less memory
                image.load()
                picture = ImageOps.exif_transpose(image)
        except NotAPhoto:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise NotAPhoto(f"too many pixels: {exc}") from exc
        except Exception as exc:  # Pillow raises many kinds for a broken or foreign file
            raise NotAPhoto(f"not a readable image: {type(exc).__name__}") from exc
    picture.thumbnail((max_side, max_side))
    transparent = picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info)
    out = io.BytesIO()
    if transparent:
        picture.convert("RGBA").save(out, "PNG", optimize=True)
        suffix = "png"
    else:
        picture.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        suffix = "jpg"
    return Photo(out.getvalue(), suffix, picture.width, picture.height)
