"""All models, re-exported so that ``from csti.models import User`` works everywhere."""
from .accounts import User, UserSession
from .actors import ACTOR_KINDS, Actor, ActorMember, ClaimRequest
from .announcements import ANNOUNCEMENT_KINDS, Announcement
from .articles import ARTICLE_KINDS, Article
from .audiences import AUDIENCES, ContentAudience
from .audit import AuditLog
from .cache import DataVersion
from .content import (
    ARCHIVED,
    DRAFT,
    PENDING,
    PUBLISHED,
    REJECTED,
    STATUSES,
    Content,
    content_owner,
)
from .discussion import Comment, Notification, Reaction, Report
from .dossiers import Dossier, DossierCollaborator, DossierItem
from .events import Event, EventOccurrence, Registration
from .follows import Follow
from .pages import Page
from .projects import NEED_KINDS, PROJECT_STAGES, Project, ProjectMember, ProjectNeed, ProjectUpdate
from .search import SearchOutbox
from .tags import Tag, content_tag
from .territories import (
    ROLE_ANIMATOR,
    ROLE_CONTRIBUTOR,
    ROLE_MEMBER,
    ROLES,
    Membership,
    Territory,
)
from .throttle import RateCounter

__all__ = [
    "ACTOR_KINDS", "NEED_KINDS", "PROJECT_STAGES", "Project", "ProjectMember", "ProjectNeed", "ProjectUpdate", "ANNOUNCEMENT_KINDS", "Announcement", "ARTICLE_KINDS", "SearchOutbox", "AUDIENCES", "Article", "Comment", "Dossier", "DossierCollaborator", "DossierItem", "Notification", "Reaction", "Report", "Event", "EventOccurrence", "Follow", "Registration", "Actor", "ActorMember", "ClaimRequest", "ContentAudience",
    "ARCHIVED", "AuditLog", "Content", "DataVersion", "DRAFT", "Membership", "PENDING", "PUBLISHED", "Page",
    "REJECTED", "ROLES", "ROLE_ANIMATOR", "ROLE_CONTRIBUTOR", "ROLE_MEMBER", "RateCounter",
    "STATUSES", "Tag", "Territory", "User", "UserSession", "content_owner", "content_tag",
]
