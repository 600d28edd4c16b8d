"""Small factories: each test builds the data it needs."""
import itertools

from csti.models import Membership, Page, Territory, User
from csti.models.base import utcnow

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


class Factory:
    def __init__(self, db):
        self.db = db

    def territory(self, slug=None, name=None, **kw):
        n = next(_seq)
        territory = Territory(slug=slug or f"territoire-{n}", name=name or f"Territoire {n}", **kw)
        self.db.session.add(territory)
        self.db.session.commit()
        return territory

    def user(self, email=None, name=None, password=PASSWORD, confirmed=True, admin=False,
             roles=None, **kw):
        """``roles``: {territory: role}."""
        n = next(_seq)
        user = User(email=email or f"membre{n}@example.org", name=name or f"Membre {n}",
                    is_admin=admin, email_confirmed_at=utcnow() if confirmed else None, **kw)
        user.set_password(password)
        self.db.session.add(user)
        for territory, role in (roles or {}).items():
            self.db.session.add(Membership(user=user, territory=territory, role=role))
        self.db.session.commit()
        return user

    def page(self, territory=None, author=None, title="Une page", body="Du *texte*.",
             status="published", tags=(), **kw):
        page = Page(title=title, body=body, territory=territory, author=author, **kw)
        if status == "published":
            page.publish()
        else:
            page.status = status
        for tag in tags:
            page.add_tag(tag)
        self.db.session.add(page)
        self.db.session.commit()
        return page
