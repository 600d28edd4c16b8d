"""The partners' pages' queries and the animators' flags: which public dossiers are a partner's
guides, which published resources are made for it, and flagging a dossier for partners."""
from __future__ import annotations

from sqlalchemy import func, select

from ...extensions import db
from ...listing import audience_clause, card_loader, first, paginate, published
from ...models.audiences import PARTNERS, ContentAudience
from ...models.content import PUBLISHED
from ...models.dossiers import Dossier, DossierPartner
from ...models.resources import Resource

GUIDES_MAX = 30  # the guides a page shows (an animator's selection: a handful)
PER_PAGE = 12  # resources a page (the whole list: the resource centre filtered for the audience)


class NotFlaggable(Exception):
    """The dossier is not public and published: no partner page may present it."""


def flaggable(dossier) -> bool:
    return dossier.status == PUBLISHED and not dossier.is_private and not dossier.members_only


def _public_dossiers(stmt):
    return stmt.where(Dossier.status == PUBLISHED, Dossier.is_private.is_(False), Dossier.public_clause())


def guides(code: str, territory_id: int | None = None) -> list[Dossier]:
    """The public published dossiers flagged for ``code``, last changed first, for their cards:
    kept cards, so they are read as stand-ins (``listing.Deferred``) until one is drawn — loading
    thirty dossiers for their cards was two fifths of the page."""
    stmt = _public_dossiers(select(Dossier).where(Dossier.id.in_(
        select(DossierPartner.dossier_id).where(DossierPartner.code == code))))
    if territory_id is not None:
        stmt = stmt.where(Dossier.territory_id == territory_id)
    stmt = stmt.order_by(Dossier.updated_at.desc(), Dossier.id.desc())
    return first(stmt, Dossier.id, GUIDES_MAX, loader=card_loader(Dossier, author=True), kept_cards=True)


def resources_listing(code: str, territory_id: int | None = None):
    """The published resources (not members-only) carrying the audience ``code``, newest first: the
    resource centre's clause for an audience (``listing.audience_clause``), which walks the newest
    resources for a common audience — 8 ms → 0.1 ms of SQL for libraries' 2 000 of 10 000 — and
    gathers a rare one's first."""
    stmt = published(select(Resource), Resource).where(audience_clause(Resource, [code], rows=PER_PAGE))
    if territory_id is not None:
        stmt = stmt.where(Resource.territory_id == territory_id)
    return stmt.order_by(Resource.published_at.desc(), Resource.id.desc())


def resources_page(code: str, page: int, territory_id: int | None = None):
    """A page of those resources, loaded by the resource centre's cards' loader (its kept cards
    load none: ``listing.Deferred``)."""
    return paginate(resources_listing(code, territory_id), Resource.id, page, PER_PAGE,
                    loader=card_loader(Resource), kept_cards=True, kept_keys=True)


def counts() -> dict[str, tuple[int, int]]:
    """code → (guides, resources) of every partner: two grouped counts."""
    guide_counts = dict(db.session.execute(_public_dossiers(
        select(DossierPartner.code, func.count()).join(Dossier, Dossier.id == DossierPartner.dossier_id))
        .group_by(DossierPartner.code)).all())
    resource_counts = dict(db.session.execute(
        published(select(ContentAudience.code, func.count()).join(Resource, Resource.id == ContentAudience.content_id),
                  Resource)
        .where(ContentAudience.code.in_(list(PARTNERS))).group_by(ContentAudience.code)).all())
    return {code: (guide_counts.get(code, 0), resource_counts.get(code, 0)) for code in PARTNERS}


def partner_codes(dossier) -> list[str]:
    return [row.code for row in dossier.partner_rows]


def set_partners(dossier, codes, user) -> tuple[list[str], list[str]]:
    """Present ``dossier`` on the pages of ``codes`` (PARTNERS) and on no other; returns the codes
    (before, after), in the partners' order. Refuses (NotFlaggable) a dossier that is not public."""
    if not flaggable(dossier):
        raise NotFlaggable
    wanted = [code for code in PARTNERS if code in set(codes)]
    before = [code for code in PARTNERS if code in set(partner_codes(dossier))]
    dossier.partner_rows = [row for row in dossier.partner_rows if row.code in wanted] + [
        DossierPartner(code=code, flagged_by_id=user.id) for code in wanted if code not in before]
    return before, wanted
