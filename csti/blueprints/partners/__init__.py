"""The partners' pages (issue #16, mission 6): for each partner audience outside CSTI
(``models.audiences.PARTNERS``: libraries, tourism, companies, third places, after-school) a
page of the thematic guides the animators flagged for it (public dossiers, ``DossierPartner``)
and of the published resources made for it (``ContentAudience``). Not a content type: a menu
entry of its own (``register_nav``) and pages kept by the page cache (``pagecache.FIXED_ENDPOINTS``)."""
from flask import Blueprint

from ...i18n import lazy_gettext as _l
from ...registry import register_nav

bp = Blueprint("partners", __name__)
register_nav("partners", _l("Partners"), "partners.index", 55, current_endpoints=("partners.show",))

from . import routes  # noqa: E402,F401
