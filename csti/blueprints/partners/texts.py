"""What each partner's page says: its title, a sentence for the list of partners, its
introduction, and the badge of a dossier presented there ("Guide for libraries")."""
from __future__ import annotations

from dataclasses import dataclass

from ...i18n import lazy_gettext as _l
from ...models.audiences import PARTNERS


@dataclass(frozen=True)
class PartnerTexts:
    code: str
    title: object
    sentence: object
    intro: object
    guide: object

    @property
    def label(self):
        return PARTNERS[self.code]


TEXTS = {
    "libraries": PartnerTexts(
        "libraries", _l("For libraries"),
        _l("Exhibitions, kits and guides to bring science to the shelves and reading rooms."),
        _l("Media libraries and libraries welcome every public: here are the exhibitions, kits and "
           "games the network lends to them, and the guides the animators put together to build a "
           "science programme with the structures nearby."),
        _l("Guide for libraries")),
    "tourism": PartnerTexts(
        "tourism", _l("For tourism"),
        _l("Resources and guides for tourist offices, heritage sites and holiday venues."),
        _l("Tourist offices, heritage sites and holiday venues can offer their visitors science "
           "discovery: the resources below travel well, and the guides point to the places and "
           "people of the network."),
        _l("Guide for tourism")),
    "companies": PartnerTexts(
        "companies", _l("For companies"),
        _l("Resources and guides for companies that open their doors to science and technology."),
        _l("Companies share their know-how and open their sites: these resources and guides help "
           "them host a science event, an exhibition or a visit with the network’s structures."),
        _l("Guide for companies")),
    "third_places": PartnerTexts(
        "third_places", _l("For third places"),
        _l("Resources and guides for third places, fab labs and community spaces."),
        _l("Third places, fab labs and community spaces run workshops for their neighbourhood: "
           "here are the kits, games and exhibitions made for them, and the guides of the network."),
        _l("Guide for third places")),
    "after_school": PartnerTexts(
        "after_school", _l("For after-school"),
        _l("Kits and guides for after-school and holiday activities."),
        _l("After-school clubs and holiday centres lead activities with children: these kits, games "
           "and guides are ready to use, and the structures that made them can help."),
        _l("Guide for after-school")),
}
assert set(TEXTS) == set(PARTNERS), "every partner audience needs its page's texts"


def guide_labels(codes) -> list:
    """(code, badge) of a dossier flagged for ``codes``, in the partners' order."""
    return [(code, TEXTS[code].guide) for code in PARTNERS if code in set(codes)]
