"""The demo (an administrator whose password is public) is never loaded in production nor by
`make serve`, and `make run` loads it only into an empty database (issue 11)."""
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from csti import create_app
from csti.cli import csti_cli
from csti.extensions import db as _db
from csti.models import User

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def production_app(app, database_url):
    prod = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x",
                                     "SERVER_NAME": "csti.example.org", "SEARCH_DIR": app.config["SEARCH_DIR"],
                                     "UPLOAD_DIR": app.config["UPLOAD_DIR"]})
    yield prod
    with prod.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.mark.parametrize("args", [["seed-demo"], ["seed-demo", "--if-empty"]])
def test_seed_demo_refuses_in_production(production_app, args):
    with production_app.app_context():
        result = production_app.test_cli_runner().invoke(csti_cli, args)
        assert result.exit_code != 0
        assert "production" in result.output and "create-admin" in result.output
        assert _db.session.scalar(select(func.count(User.id))) == 0


def test_seed_demo_if_empty_leaves_a_database_with_data_alone(runner, db, factory):
    """A database holding a territory (say, an imported census) but no account yet is not empty."""
    factory.territory(slug="ma-region")
    result = runner.invoke(csti_cli, ["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "not empty" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def _make_dry_run(target):
    env = {**os.environ, "MAKEFLAGS": ""}
    result = subprocess.run(["make", "-n", target], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_serve_never_seeds_and_make_run_seeds_only_in_development():
    assert "seed-demo" not in _make_dry_run("serve")
    assert "seed-demo --if-empty" in _make_dry_run("run")
    env = {**os.environ, "CSTI_ENV": "production"}
    result = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0 and "seed-demo" not in result.stdout


def test_the_animation_demo_leaves_work_open_and_logs_what_was_done(app, db, factory):
    """csti/demo/animation.py: an open report, a spammer's posts held by the real spam signals,
    two records of one fablab, and — through the real operations, so in the audit log — one
    take-down and one lifted suspension. Run again, it adds nothing."""
    from csti.demo import animation
    from csti.models import AccountSanction, Actor, Article, AuditLog, Comment, Event, Notification, Report

    occitanie = factory.territory(slug="occitanie", name="Occitanie", publish_policy="contributors")
    users = {e: factory.user(email=e, name=n, roles={occitanie: r}) for e, n, r in (
        ("claire.martin@csti.example", "Claire Martin", "animator"),
        ("sophie.nguyen@csti.example", "Sophie Nguyen", "member"),
        ("ines.fabre@csti.example", "Inès Fabre", "member"),
        ("mehdi.benali@csti.example", "Mehdi Benali", "contributor"))}
    earlier = Article(title="Un article du réseau", summary="Pour commenter.", territory=occitanie,
                      author=users["mehdi.benali@csti.example"])
    earlier.publish()
    db.session.add(earlier)
    db.session.commit()
    lines = []
    animation.seed({"occitanie": occitanie}, users, lines)
    db.session.commit()
    assert lines[-1].startswith("animation (Occitanie): 1 open report, 2 posts")

    reported = db.session.scalar(select(Article).where(Article.title == animation.REPORTED[0]))
    assert reported.status == "published"
    assert db.session.scalar(select(Report).where(Report.content_id == reported.id)).status == "open"
    spammer = User.by_email(animation.SPAMMER[0])
    posts = db.session.scalars(select(Article).where(Article.author_id == spammer.id).order_by(Article.id)).all()
    assert [(p.status, p.queued_because) for p in posts] == [
        ("pending", "links"), ("published", ""), ("pending", "many_links")]
    assert animation.SPAM_SITE in db.session.scalar(select(Comment.body).where(Comment.author_id == spammer.id))
    twins = db.session.scalars(select(Actor).where(Actor.title.in_(("Fablab Artilect", "Artilect FabLab")))).all()
    assert len(twins) == 2 and {a.insee for a in twins} == {twins[0].insee}
    assert {e.venue_id for e in db.session.scalars(select(Event))} == {a.id for a in twins}
    taken = db.session.scalar(select(Article).where(Article.title == animation.TAKEN_DOWN[0]))
    assert taken.status == "draft" and taken.moderation_note == animation.TAKE_DOWN_REASON
    assert db.session.scalar(select(Notification).where(Notification.kind == "taken_down")).content_id == taken.id
    sanction = db.session.scalar(select(AccountSanction))
    assert sanction.user.email == animation.SUSPENDED[0] and sanction.lifted_at is not None
    assert sanction.reason == animation.SUSPENSION_REASON
    logged = {a for a, in db.session.execute(select(AuditLog.action))}
    assert logged == {"article.taken_down", "user.suspended", "user.sanction_lifted"}

    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Article, Actor, AuditLog, Report)]
    animation.seed({"occitanie": occitanie}, users, lines)  # once only
    db.session.commit()
    assert lines[-1] == "animation demo already present: none added"
    assert counts == [db.session.scalar(select(func.count()).select_from(m)) for m in (User, Article, Actor, AuditLog, Report)]
