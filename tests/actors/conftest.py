"""Fixtures of the actors tests: a structure factory and a log-in that needs no /login page."""
import http.cookiejar
import itertools

import pytest

from csti.actors import add_member, set_location
from csti.models import Actor
from csti.models.actors import MANAGER

_seq = itertools.count(1)


@pytest.fixture
def log_in(app):
    """``log_in(testapp, user)``: give ``testapp`` the session cookie of ``user`` (what a
    successful /login sets), signed with the app's key."""

    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]

    def log_in(testapp, user):
        data = {}
        for cookie in [c for c in testapp.cookiejar if c.name == name]:
            data.update(serializer.loads(cookie.value.strip('"')))  # keep the CSRF token
            testapp.cookiejar.clear(cookie.domain, cookie.path, cookie.name)
        data.update({"_user_id": user.get_id(), "_fresh": True})
        # The domain WebTest files the app's own Set-Cookie under, so that the app's later
        # updates of the session replace this cookie instead of sitting beside it.
        testapp.cookiejar.set_cookie(http.cookiejar.Cookie(
            version=0, name=name, value=serializer.dumps(data), port=None, port_specified=False,
            domain="localhost.local", domain_specified=True, domain_initial_dot=False, path="/",
            path_specified=True, secure=False, expires=None, discard=False, comment=None,
            comment_url=None, rest={}))
        return testapp

    return log_in


@pytest.fixture
def make_actor(db):
    """``make_actor(territory, title=..., **fields)``: a structure, published unless
    ``status`` says otherwise; ``postcode`` derives commune and department."""

    def make_actor(territory, title=None, *, status="published", kind="association", postcode="31000",
                   commune="", lat=None, lng=None, tags=(), audiences=(), author=None, managers=(),
                   members=(), **fields):
        actor = Actor(title=title or f"Structure {next(_seq)}", actor_kind=kind, territory=territory,
                      author=author, **fields)
        set_location(actor, postcode, commune)
        actor.latitude, actor.longitude = lat, lng
        actor.audiences = list(audiences)
        for tag in tags:
            actor.add_tag(tag)
        for user in managers:
            add_member(actor, user, MANAGER)
        for user in members:
            add_member(actor, user, "member")
        if status == "published":
            actor.publish()
        else:
            actor.status = status
        db.session.add(actor)
        db.session.commit()
        return actor

    return make_actor
