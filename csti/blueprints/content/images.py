"""A content item's images, written once for every type (docs/architecture.md §4): the cover
(and its text alternative) of every content form, a structure's logo.

The upload is verified while the form validates (``verify_image``: a bad file is a message
next to its field, 422, before anything is written); the save stores it with its narrower
copies (``csti.uploads``) and ``ImageChanges`` removes what the transaction no longer needs: the
new files when the save fails, the replaced or removed ones once it committed."""
from __future__ import annotations

from ...uploads import VARIANT_WIDTHS, ImageError, delete_upload, open_verified, store_image

COVER_SIZE = (1600, 1200)
LOGO_SIZE = (480, 480)
LOGO_WIDTHS = (160,)  # a card shows a logo at 56 px, a structure's page at 120


def uploaded(field) -> bool:
    """A file was sent in this FileField."""
    return field is not None and bool(getattr(field.data, "filename", ""))


def verify_image(form, field) -> None:
    """Validator of an image FileField: the upload opened and checked by Pillow (kept on the
    field as ``field.image`` for the save), or the reason in the field's errors."""
    from wtforms.validators import StopValidation

    field.image = None
    if not uploaded(field):
        return
    try:
        field.image = open_verified(field.data)
    except ImageError as error:
        raise StopValidation(str(error)) from None


class ImageChanges:
    """The files one save writes and replaces."""

    def __init__(self):
        self.written: list[str] = []
        self.replaced: list[str] = []

    def _store(self, field, folder, max_size, widths=VARIANT_WIDTHS) -> str:
        image = getattr(field, "image", None)
        if image is None:  # validated without ``verify_image`` (a form checked elsewhere)
            image = open_verified(field.data)
        path = store_image(image, folder, max_size=max_size, widths=widths)
        self.written.append(path)
        return path

    def apply_cover(self, item, form, folder: str = "covers") -> None:
        """The cover fields of ``form`` (``ContentForm``) onto ``item``: a new image replaces the
        old one, "remove" drops it; the text alternative is "" for a decorative image."""
        if "cover" not in form:
            return
        old = item.cover_image
        if uploaded(form.cover):
            item.cover_image = self._store(form.cover, folder, COVER_SIZE)
        elif form.cover_remove.data:
            item.cover_image = None
        if old and item.cover_image != old:
            self.replaced.append(old)
        if not item.cover_image or form.cover_decorative.data:
            item.cover_alt = ""
        else:
            item.cover_alt = (form.cover_alt.data or "").strip()

    def apply_logo(self, actor, form) -> None:
        old = actor.logo
        if uploaded(form.logo):
            actor.logo = self._store(form.logo, "logos", LOGO_SIZE, LOGO_WIDTHS)
        elif form.logo_remove.data:
            actor.logo = None
        if old and actor.logo != old:
            self.replaced.append(old)

    def discard(self) -> None:
        """The save failed: the files it wrote go."""
        for path in self.written:
            delete_upload(path)
        self.written = []

    def committed(self) -> None:
        """The save is committed: the files it replaced go."""
        for path in self.replaced:
            delete_upload(path)
        self.replaced = []


def fill_cover(form, item) -> None:
    """The cover fields on the first display of an edit."""
    if "cover" in form:
        form.cover_alt.data = item.cover_alt
        form.cover_decorative.data = bool(item.cover_image and not item.cover_alt)


def save_with_images(changes: ImageChanges, save):
    """``save()`` (which commits), the written files removed if it raises or refuses (None),
    the replaced ones once it succeeded."""
    try:
        response = save()
    except Exception:
        changes.discard()
        raise
    if response is None:
        changes.discard()
    else:
        changes.committed()
    return response
