"""A resource's photos (``ResourcePhoto``): stored like the covers (``csti/uploads.py``: verified
by Pillow, re-encoded, with narrower copies), at most PHOTOS_MAX, each with its description. A
removed photo's files — and those of a deleted resource's photos (the database's ON DELETE
CASCADE) — go once the transaction commits (``csti/files_after_commit.py``)."""
from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ...extensions import db
from ...files_after_commit import remove_after_commit
from ...models.resources import PHOTOS_MAX, Resource, ResourcePhoto
from ...uploads import delete_upload, store_image
from ..content.images import COVER_SIZE

FOLDER = "resources"


def add_photo(resource: Resource, image, alt: str) -> ResourcePhoto:
    """Store ``image`` (opened and verified) as the resource's last photo and commit; the file is
    removed again if the commit fails."""
    path = store_image(image, FOLDER, max_size=COVER_SIZE)
    try:
        position = db.session.scalar(select(func.coalesce(func.max(ResourcePhoto.position), 0))
                                     .where(ResourcePhoto.resource_id == resource.id)) + 1
        photo = ResourcePhoto(resource_id=resource.id, path=path, alt=alt.strip(), position=position)
        db.session.add(photo)
        db.session.commit()
    except Exception:
        db.session.rollback()
        delete_upload(path)
        raise
    return photo


def remove_photo(photo: ResourcePhoto) -> None:
    db.session.delete(photo)  # its files: the listener below
    db.session.commit()


def full(resource: Resource) -> bool:
    return len(resource.photos) >= PHOTOS_MAX


def count(resource_id: int) -> int:
    """The resource's photos, counted in SQL (after ``bookings.lock_resource``: under its lock)."""
    return db.session.scalar(select(func.count(ResourcePhoto.id)).where(ResourcePhoto.resource_id == resource_id))


@event.listens_for(Session, "before_flush")
def _collect_removed(session, flush_context, instances):
    names, resource_ids = [], []
    for obj in session.deleted:
        if isinstance(obj, ResourcePhoto):
            names.append(obj.path)
        elif isinstance(obj, Resource) and obj.id is not None:
            resource_ids.append(obj.id)
    if resource_ids:
        with session.no_autoflush:
            names += session.scalars(select(ResourcePhoto.path)
                                     .where(ResourcePhoto.resource_id.in_(resource_ids))).all()
    remove_after_commit(session, delete_upload, list(dict.fromkeys(names)))
