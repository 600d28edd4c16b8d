"""Image uploads: verified by Pillow, size-limited, re-encoded (which drops any payload
and metadata), stored under ``CSTI_UPLOAD_DIR``."""
from __future__ import annotations

import uuid
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs well before Pillow's own limit


class ImageError(ValueError):
    pass


def _read_size(storage) -> int:
    stream = storage.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def open_verified(storage) -> Image.Image:
    """Open an uploaded image or raise ImageError with a message for people."""
    limit = current_app.config["IMAGE_MAX_BYTES"]
    if _read_size(storage) > limit:
        raise ImageError(_("The image is too large (%(mb)d MB at most).", mb=limit // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(storage.stream)
            if image.format not in ALLOWED_FORMATS:
                raise ImageError(_("Use a JPEG, PNG, GIF or WebP image."))
            if image.width * image.height > MAX_PIXELS:
                raise ImageError(_("The image has too many pixels."))
            image.verify()  # checks the file's structure; the image must be reopened after
        storage.stream.seek(0)
        image = Image.open(storage.stream)
        image.load()
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(_("This file is not an image we can read (JPEG, PNG, GIF or WebP).")) from None
    return image


def save_image(storage, folder: str, max_size=(1600, 1600), square: int | None = None) -> str:
    """Verify, resize and store; return the path relative to the upload directory."""
    image = open_verified(storage)
    image = ImageOps.exif_transpose(image)
    if square:
        image = ImageOps.fit(image.convert("RGB"), (square, square))
    else:
        image.thumbnail(max_size)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode in ("P", "LA") else "RGB")
    relative = f"{folder}/{uuid.uuid4().hex}.webp"
    target = Path(current_app.config["UPLOAD_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, "WEBP", quality=85)
    return relative


def delete_upload(relative: str | None) -> None:
    if not relative:
        return
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    path = (root / relative).resolve()
    if root in path.parents and path.is_file():
        path.unlink()
