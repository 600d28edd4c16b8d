"""Images for the tests: an upload's bytes, a stored cover (with its narrower copies)."""
import io

from PIL import Image


def image_bytes(size=(1200, 675), color=(30, 60, 120), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def stored_cover(size=(640, 360), color=(30, 60, 120)) -> str:
    """A cover stored by the uploads' own path (``covers/<uuid>.webp`` and its 480 px copy)."""
    from csti.uploads import store_image

    return store_image(Image.new("RGB", size, color), "covers")
