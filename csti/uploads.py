"""Image uploads: verified by Pillow, size-limited, re-encoded (which drops any payload
and metadata), stored by csti/storage.py (``CSTI_UPLOAD_DIR``, or an S3-compatible bucket)."""
from __future__ import annotations

import io
import uuid
import warnings
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from .i18n import gettext as _

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


# Narrower copies written next to an image wider than each (``<name>-480w.webp``…): what
# ``srcset`` offers, so a phone or a card loads no more than it shows. The stored path stays
# the key (the full-size file); the variants' names derive from it.
VARIANT_WIDTHS = (480, 960)


def variant_path(relative: str, width: int) -> str:
    stem, dot, ext = relative.rpartition(".")
    return f"{stem}-{width}w.{ext}" if dot else f"{relative}-{width}w"


def save_image(storage, folder: str, max_size=(1600, 1600), square: int | None = None,
               widths=VARIANT_WIDTHS) -> str:
    """Verify, resize and store (with the narrower ``widths``); return the path relative to the
    upload directory."""
    return store_image(open_verified(storage), folder, max_size=max_size, square=square, widths=widths)


def store_image(image: Image.Image, folder: str, max_size=(1600, 1600), square: int | None = None,
                widths=VARIANT_WIDTHS, root: str | Path | None = None) -> str:
    """Store an opened image (an upload once verified, or one drawn by the demo data) as WebP,
    with a copy at each of ``widths`` narrower than it; return its path (relative to ``root``,
    the upload directory unless given: a document's preview is kept beside the document)."""
    image = ImageOps.exif_transpose(image)
    if square:
        image = ImageOps.fit(image.convert("RGB"), (square, square))
    else:
        image.thumbnail(max_size)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode in ("P", "LA") else "RGB")
    from .storage import LocalStorage, storage

    relative = f"{folder}/{uuid.uuid4().hex}.webp"
    store = LocalStorage(root) if root else storage()
    written = []
    try:
        store.save(relative, _webp(image, 85), "image/webp")
        written.append(relative)
        for width in sorted(widths or (), reverse=True):
            if width >= image.width:
                continue
            height = max(1, round(image.height * width / image.width))
            name = variant_path(relative, width)
            store.save(name, _webp(image.resize((width, height), Image.LANCZOS), 82), "image/webp")
            written.append(name)
    except Exception:
        for name in written:  # nothing half-written: a full disk leaves no stray file
            try:
                store.delete(name)
            except Exception:  # noqa: BLE001 - the first error is the one to tell
                pass
        raise
    return relative


def _webp(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=quality)
    return out.getvalue()


def delete_upload(relative: str | None) -> None:
    """Remove a stored image and its narrower copies."""
    from .storage import storage

    if not relative:
        return
    store = storage()
    for name in (relative, *(variant_path(relative, w) for w in ALL_VARIANT_WIDTHS)):
        try:
            store.delete(name)
        except OSError:  # the storage is down: the others are still tried, the caller goes on
            current_app.logger.warning("could not remove the file %s", name, exc_info=True)
    _image_info.cache_clear()


# Every width a variant was ever written at (a new width is added here, an old one kept).
ALL_VARIANT_WIDTHS = (160, 480, 960)


class ImageInfo(NamedTuple):
    width: int | None
    height: int | None
    variants: tuple[tuple[str, int], ...]  # (path, width), narrowest first, the full size last


@lru_cache(maxsize=4096)
def _image_info(where: str, relative: str) -> ImageInfo:
    from .storage import storage

    store = storage()
    stream = store.open(relative)
    if stream is None:
        return ImageInfo(None, None, ())
    try:
        with stream, Image.open(stream) as image:  # reads the header only
            width, height = image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return ImageInfo(None, None, ())
    variants = [(variant_path(relative, w), w) for w in ALL_VARIANT_WIDTHS
                if w < width and store.exists(variant_path(relative, w))]
    return ImageInfo(width, height, (*variants, (relative, width)))


def image_info(relative: str | None) -> ImageInfo:
    """A stored image's size and its variants (an upload older than the variants has none);
    remembered per process: a stored path never changes, a deleted one is forgotten."""
    if not relative:
        return ImageInfo(None, None, ())
    config = current_app.config
    where = config["UPLOAD_DIR"] if (config.get("STORAGE") or "local") == "local" else \
        f"s3:{config.get('S3_ENDPOINT_URL')}/{config.get('S3_BUCKET')}/{config.get('S3_PREFIX') or ''}"
    try:
        return _image_info(where, relative)
    except OSError:  # the storage does not answer: size unknown this time (not remembered)
        current_app.logger.warning("could not read the image %s", relative, exc_info=True)
        from flask import has_request_context, request

        if has_request_context():  # nor kept in a card's HTML (csti/fragments.py)
            request._csti_no_keep = True
        return ImageInfo(None, None, ())
