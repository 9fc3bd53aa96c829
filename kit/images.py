"""Cleaning an uploaded photo: decoded with bounded pixels, turned upright, re-encoded
without a single metadata block.

A phone's photo carries EXIF (the camera, the time, and often the GPS position where it
was taken: a photo taken at home says where its climber lives), XMP and ICC profiles. The
clean copy is made from the decoded pixels only, so nothing of the upload's bytes but its
picture survives: every block goes, and so would anything hidden after the image data.

Bounded: the pixel count is read from the header and refused above `MAX_PIXELS` before
anything is decoded (a decompression bomb: a few kilobytes that would decode to
gigabytes); Pillow's own guard is set to the same bound, an error rather than a warning.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# 50 megapixels: more than any phone's main camera writes by default (48 MP modes
# included), at most ~200 MB of RGBA while decoding.
MAX_PIXELS = 50_000_000
MAX_SIDE = 2048
JPEG_QUALITY = 85
WEBP_QUALITY = 85
# What uploads may be (storage.kinds): iPhones write HEIC, read through libheif.
_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF"})

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_TOO_MANY_PIXELS = f"the image decodes to more than {MAX_PIXELS // 1_000_000} megapixels"
register_heif_opener()


class ImageRefused(Exception):
    """The file is not an image this service stores; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CleanImage:
    body: bytes
    content_type: str
    extension: str
    width: int
    height: int


def clean_image(raw: bytes) -> CleanImage:
    """The picture in `raw`, upright, at most MAX_SIDE px, as JPEG (WebP when it has
    transparency), with no metadata; ImageRefused otherwise. CPU-bound: run it in a
    thread."""
    if not raw:
        raise ImageRefused("the file is empty")
    try:
        with warnings.catch_warnings():
            # Damaged metadata (a truncated EXIF block, a tag past the end) is something
            # Pillow warns of and skips: every block is dropped here anyway. Not a crash
            # where warnings are errors (the tests), not noise in the log elsewhere.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=sorted(_FORMATS)) as image:
                # Pillow's guard fires first; this one holds should a library loaded
                # later change Image.MAX_IMAGE_PIXELS (a process-wide setting).
                if image.width * image.height > MAX_PIXELS:
                    raise ImageRefused(_TOO_MANY_PIXELS)
                # A JPEG decodes at 1/2, 1/4 or 1/8 scale when that still covers
                # MAX_SIDE: a quarter of the time and memory for a 12 MP photo.
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))
                image.load()
                upright = ImageOps.exif_transpose(image)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRefused(_TOO_MANY_PIXELS) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRefused("not a JPEG, PNG, HEIC or WebP image that can be read") from error
    return _encode(upright)


def _encode(image: Image.Image) -> CleanImage:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh image's `info` is empty: no exif, icc_profile or xmp is passed on. Colours
    # are converted to sRGB by nothing here; phones write sRGB or Display P3, and P3
    # shown as sRGB is slightly duller, a fair price for dropping every block.
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image)
    if has_alpha:
        fresh.save(out, "WEBP", quality=WEBP_QUALITY)
        return CleanImage(out.getvalue(), "image/webp", "webp", fresh.width, fresh.height)
    fresh.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanImage(out.getvalue(), "image/jpeg", "jpg", fresh.width, fresh.height)
