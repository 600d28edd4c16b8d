"""``flask csti …`` commands. Each prints what it did and exits non-zero on bad input."""
import re

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .database import write_intent
from .extensions import db


@click.group("csti")
def csti_cli():
    """csti administration commands."""


@csti_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", default="Admin")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin(email, name, password):
    """Create an administrator (or make an existing account admin)."""
    from .blueprints.accounts.operations import password_problem
    from .models import User

    email = User.normalize_email(email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise click.UsageError(f"not an e-mail address: {email!r}")
    with write_intent():
        user = User.by_email(email)
        if user is None:
            problem = password_problem(password, email)
            if problem:
                raise click.UsageError(problem)
            user = User(email=email, name=name)
            user.set_password(password)
            db.session.add(user)
        user.is_admin = True
        if user.email_confirmed_at is None:
            from .models.base import utcnow

            user.email_confirmed_at = utcnow()
        db.session.commit()
    click.echo(f"admin: {user.email} (id {user.id})")


@csti_cli.group("territory")
def territory_cli():
    """Manage territories."""


@territory_cli.command("add")
@click.argument("slug")
@click.argument("name")
@click.option("--description", default="")
@click.option("--lat", type=float, default=46.6, help="map centre latitude")
@click.option("--lng", type=float, default=2.4, help="map centre longitude")
@click.option("--zoom", type=click.IntRange(1, 18), default=8)
@click.option("--color", default="#1d4e89", help="primary colour, #rrggbb")
@with_appcontext
def territory_add(slug, name, description, lat, lng, zoom, color):
    """Add a territory."""
    from .models import Territory
    from .text import slugify

    if slugify(slug) != slug:
        raise click.UsageError(f"slug must be lower-case letters, digits and dashes (e.g. {slugify(slug)!r})")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise click.UsageError("map centre out of range")
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise click.UsageError("colour must look like #1d4e89")
    with write_intent():
        if db.session.scalar(select(Territory).where(Territory.slug == slug)):
            raise click.UsageError(f"territory {slug!r} already exists")
        territory = Territory(slug=slug, name=name, description=description, center_lat=lat,
                              center_lng=lng, zoom=zoom, color_primary=color)
        db.session.add(territory)
        db.session.commit()
    click.echo(f"territory added: {slug} ({name})")


@territory_cli.command("list")
@with_appcontext
def territory_list():
    """List territories with their member counts."""
    from .models import Membership, Territory

    rows = db.session.execute(
        select(Territory.slug, Territory.name, func.count(Membership.id))
        .outerjoin(Membership, Membership.territory_id == Territory.id)
        .group_by(Territory.id).order_by(Territory.slug)
    ).all()
    if not rows:
        click.echo("no territory yet: flask csti territory add SLUG NAME")
    for slug, name, members in rows:
        click.echo(f"{slug}\t{name}\t{members} members")


@csti_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True,
              help="do nothing when the database already has accounts, territories or content")
@with_appcontext
def seed_demo(if_empty):
    """Load realistic French demo data (development only: its accounts' password is public)."""
    from flask import current_app

    from .demo import seed
    from .models import Content, Territory, User

    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException(
            "seed-demo refuses to run with CSTI_ENV=production: the demo's accounts, an administrator "
            "among them, share a published password. Create your administrator with "
            "`flask csti create-admin --email ADDRESS` (see the README).")
    if if_empty and any(db.session.scalar(select(func.count()).select_from(model))
                        for model in (User, Territory, Content)):
        click.echo("database not empty: demo data not loaded")
        return
    with write_intent():
        summary = seed()
    for line in summary:
        click.echo(line)


@csti_cli.command("import-actors")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--territory", "territory_slug", required=True, help="slug of the territory")
@click.option("--dry-run", is_flag=True, help="only check the file")
@click.option("--skip-errors", is_flag=True, help="import the valid rows when some have errors")
@click.option("--warnings", "show_warnings", is_flag=True, help="also list the remarks on imported rows")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None,
              help="language of the messages (default: the site's, French)")
@with_appcontext
def import_actors(path, territory_slug, dry_run, skip_errors, show_warnings, lang):
    """Import the census of structures from a CSV file (see the README for the columns)."""
    from flask import current_app
    from flask_babel import force_locale, ngettext

    from .blueprints.actors.census import ImportFileError, apply, preview
    from .i18n import gettext as _
    from .models import AuditLog, Territory

    territory = db.session.scalar(select(Territory).where(Territory.slug == territory_slug))
    if territory is None:
        raise click.UsageError(f"no territory {territory_slug!r} (flask csti territory list)")
    with open(path, "rb") as f:
        data = f.read()
    with write_intent(), force_locale(lang or current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")):
        try:
            result = preview(data, territory)
        except ImportFileError as error:
            raise click.ClickException(str(error)) from None
        if result.ignored_columns:
            click.echo(_("Columns not imported (not recognised):") + " " + ", ".join(result.ignored_columns))
        for row in result.error_rows:
            click.echo(_("row %(line)d:", line=row.line) + " " + "; ".join(row.errors), err=True)
        if show_warnings:
            for row in result.warning_rows:
                click.echo(_("row %(line)d:", line=row.line) + " " + "; ".join(row.warnings))
        click.echo(", ".join([
            _("%(num)d to create", num=result.count("create")),
            _("%(num)d to update", num=result.count("update")),
            _("%(num)d unchanged", num=result.count("unchanged")),
            ngettext("%(num)d row with errors", "%(num)d rows with errors", len(result.error_rows)),
            ngettext("%(num)d row with remarks", "%(num)d rows with remarks", len(result.warning_rows)),
        ]))
        if result.approximate_count:
            click.echo(ngettext("%(num)d structure without coordinates, placed at the centre of its commune "
                                "(approximate location)", "%(num)d structures without coordinates, placed at the "
                                "centre of their commune (approximate location)", result.approximate_count))
        if dry_run:
            return
        if result.error_rows and not skip_errors:
            raise click.ClickException(_("Some rows have errors: fix the file or pass --skip-errors; "
                                         "nothing imported."))
        counts = apply(result, territory, None)
        AuditLog.record(None, "actors.imported", None, territory, **counts)
        db.session.commit()
        click.echo(_("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.", **counts))


@csti_cli.command("reindex")
@with_appcontext
def reindex_command():
    """Rebuild the search index (searches keep using the old one until it is ready)."""
    import time

    from .search import SearchBusy, backend, reindex

    started = time.monotonic()
    try:
        count = reindex()
    except SearchBusy as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"search index rebuilt ({backend().name}): {count} documents in {time.monotonic() - started:.1f} s")


@csti_cli.command("backup")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="where the archive goes (default: CSTI_BACKUP_DIR, else instance/backups)")
@click.option("--keep", type=click.IntRange(1), default=None,
              help="then delete the older archives of that directory beyond the newest N")
@with_appcontext
def backup_command(directory, keep):
    """Write one archive of the database, the uploads and the documents (the site may keep
    running); print its path. The search index is not saved: restore rebuilds it."""
    from .backup import BackupError, backup

    try:
        path, manifest, deleted = backup(directory, keep)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    counts = manifest["files"]
    uploads = ("uploads in the S3 bucket (not in the archive: back the bucket up where it lives)"
               if manifest.get("uploads_in_bucket") else f"{counts['uploads']} uploads")
    click.echo(f"{manifest['database']} database, {uploads}, {counts['documents']} documents", err=True)
    for old in deleted:
        click.echo(f"deleted older backup {old}", err=True)
    click.echo(str(path))


@csti_cli.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="replace a site that already holds data or files")
@with_appcontext
def restore_command(archive, force):
    """Restore an archive of `flask csti backup` into the configured database and directories,
    migrate it to this version and rebuild the search index. Stop the site first. Refuses a
    damaged or foreign archive, and a site holding data unless --force."""
    from .backup import BackupError, restore

    try:
        result = restore(archive, force=force, log=lambda line: click.echo(line, err=True))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    manifest = result.manifest
    click.echo(f"restored {archive} (made {manifest['created_at']} by csti {manifest['csti_version']}): "
               f"{manifest['database']} database, {result.files['uploads']} uploads, "
               f"{result.files['documents']} documents")
    if manifest.get("uploads_in_bucket"):
        click.echo("uploaded images: in the S3 bucket, not in this archive (the bucket keeps them)")
    if result.upgraded_from:
        click.echo(f"database upgraded from revision {result.upgraded_from}")
    click.echo(f"search index rebuilt: {result.documents_indexed} documents")


@csti_cli.command("search-check")
@with_appcontext
def search_check_command():
    """Report differences between the search index and the database (exit 1 if any)."""
    from .search import backend, check, drain

    drain(timeout=5.0, rounds=1000)  # what is merely waiting in the outbox is no difference
    diff = check()
    click.echo(f"search index ({backend().name}): missing {len(diff['missing'])}, extra {len(diff['extra'])}, "
               f"out of date {len(diff['stale'])}")
    for name, label in (("missing", "missing from the index"), ("extra", "in the index but not published"),
                        ("stale", "out of date in the index")):
        if diff[name]:
            shown = ", ".join(map(str, diff[name][:50])) + (" …" if len(diff[name]) > 50 else "")
            click.echo(f"{label}: {shown}")
    if diff["missing"] or diff["extra"] or diff["stale"]:
        click.echo("run `flask csti reindex` to rebuild the index", err=True)
        raise SystemExit(1)


@csti_cli.command("send-digests")
@click.option("--period", type=click.Choice(["immediate", "daily", "weekly"]), required=True,
              help="daily or weekly: the digests of the members who chose it; immediate: the "
                   "notifications still waiting for their mail (cron, every few minutes)")
@with_appcontext
def send_digests_command(period):
    """Mail the notifications due at PERIOD (each notification is mailed once: run it as often
    as you like). Links are built from CSTI_SERVER_NAME."""
    from .blueprints.mailprefs.operations import send_digests, send_immediate

    if period == "immediate":
        click.echo(f"immediate: {send_immediate()} mails sent")
        return
    mails, items = send_digests(period)
    click.echo(f"{period}: {mails} digests sent ({items} notifications)")


@csti_cli.command("analyze")
@with_appcontext
def analyze_command():
    """Refresh the statistics the database plans its queries with (`make run` and `make serve`
    do it at each start). Without them SQLite takes `status = 'published'` for a rare value and
    reads every item of a list (see bench/README.md)."""
    import time

    from .database import analyze

    started = time.monotonic()
    analyze(db.engine)
    click.echo(f"statistics refreshed in {time.monotonic() - started:.1f} s")


@csti_cli.command("seed-bench")
@click.option("--scale", type=click.Choice(["small", "national"]), default="small", show_default=True)
@click.option("--seed", type=int, default=None, help="random seed (same seed and day, same rows)")
@click.option("--force", is_flag=True, help="replace a dataset that seed-bench made earlier")
@click.option("--report", type=click.Path(dir_okay=False), help="write the counts and timings as JSON here")
@with_appcontext
def seed_bench(scale, seed, force, report):
    """Generate the benchmark's dataset into the configured database (`make bench` points it at
    a database of its own). Refuses a database that holds data it did not make."""
    import json
    import time

    from flask import current_app
    from flask_migrate import upgrade

    from .demo.bench import DEFAULT_SEED, SCALES, Generator, bench_engine, empty_database, finish, has_data
    from .demo.bench import is_bench_database as made_by_bench
    from .search import backend, reindex

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    engine = bench_engine(url)
    if has_data(engine):
        if not made_by_bench(engine):
            raise click.ClickException("this database holds data seed-bench did not make: point "
                                       "CSTI_DATABASE_URL at an empty database (make bench does)")
        if not force:
            raise click.ClickException("this database already holds a bench dataset: pass --force to replace it")
        db.session.remove()
        db.engine.dispose()
        empty_database(engine)
    started = time.monotonic()
    upgrade()
    click.echo(f"seed-bench: {scale} dataset into {engine.url.render_as_string(hide_password=True)}")
    counts = Generator(engine, SCALES[scale], DEFAULT_SEED if seed is None else seed).run(log=click.echo)
    finish(engine)
    engine.dispose()
    data_seconds = time.monotonic() - started
    click.echo(f"  {sum(counts.values())} rows in {data_seconds:.1f} s; rebuilding the search index…")
    index_started = time.monotonic()
    documents = reindex()
    index_seconds = time.monotonic() - index_started
    total = time.monotonic() - started
    click.echo(f"  search index ({backend().name}): {documents} documents in {index_seconds:.1f} s")
    click.echo(f"seed-bench: done in {total:.1f} s")
    if report:
        with open(report, "w") as f:
            json.dump({"scale": scale, "seed": DEFAULT_SEED if seed is None else seed, "counts": counts,
                       "documents": documents, "data_seconds": round(data_seconds, 1),
                       "index_seconds": round(index_seconds, 1), "total_seconds": round(total, 1)}, f, indent=2)


@csti_cli.command("send-newsletters")
@click.option("--batch", type=click.IntRange(1, 1000), default=50, help="messages per SMTP connection")
@click.option("--stale-after", type=click.IntRange(0), default=600,
              help="seconds after which a delivery left 'sending' by a dead run is sent again")
@with_appcontext
def send_newsletters(batch, stale_after):
    """Send the newsletters' queued deliveries (for cron; safe to run again after a crash)."""
    from .blueprints.newsletters.operations import send_pending

    report = send_pending(batch=batch, stale_after=stale_after)
    click.echo(f"newsletters: {report.sent} sent, {report.failed} failed, {report.retry} to retry")
    if report.stopped:
        click.echo(f"stopped: {report.stopped}", err=True)
        raise SystemExit(1)


@csti_cli.command("aggregate-visits")
@with_appcontext
def aggregate_visits_command():
    """Sum up the page views of the days before today and delete their visitors' hashes and
    salts (the first page view of a day does it too; cron it daily on a quiet site)."""
    from .visits import aggregate_past_days

    click.echo(f"{aggregate_past_days()} days aggregated")


@csti_cli.group("sync")
def sync_cli():
    """Linked instances: pull the items of another csti site or of an iCalendar feed."""


@sync_cli.command("add")
@click.argument("url")
@click.option("--territory", "territory_slug", required=True, help="the local territory its items land in")
@click.option("--name", default="", help="how its items credit it (default: its host name)")
@click.option("--kind", type=click.Choice(["auto", "ical", "csti"]), default="auto")
@with_appcontext
def sync_add(url, territory_slug, name, kind):
    """Link URL (an iCalendar feed, e.g. another csti site's …/agenda.ics) to a territory."""
    from .sync import SyncError, add_source

    try:
        with write_intent():
            source = add_source(url, territory_slug, name, kind)
            db.session.commit()
    except SyncError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"linked source {source.id}: {source.url} -> {territory_slug}; run `flask csti sync run`")


@sync_cli.command("list")
@with_appcontext
def sync_list():
    """The linked sources, their last run and its result."""
    from .models.sync import SyncSource
    from .sync import describe

    for source in db.session.scalars(select(SyncSource).order_by(SyncSource.id)):
        click.echo(describe(source))


@sync_cli.command("run")
@click.option("--source", "source_id", type=int, default=None, help="only this source (its number)")
@with_appcontext
def sync_run(source_id):
    """Pull every linked source (for cron); exits 1 when one failed (its error is kept)."""
    from .models.sync import SyncSource
    from .sync import run_all, run_source

    with write_intent():
        if source_id is not None:
            source = db.session.get(SyncSource, source_id)
            if source is None:
                raise click.ClickException(f"no source {source_id}")
            results = [(source, run_source(source))]
        else:
            results = run_all()
    failed = 0
    for source, counts in results:
        if counts is None:
            failed += 1
            click.echo(f"source {source.id} ({source.url}) failed: {source.last_error}", err=True)
        else:
            click.echo(f"source {source.id} ({source.url}): " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if failed:
        raise SystemExit(1)


@sync_cli.command("remove")
@click.argument("source_id", type=int)
@click.option("--keep-items", is_flag=True, help="keep its items as local ones")
@with_appcontext
def sync_remove(source_id, keep_items):
    """Unlink a source and delete the items it brought (unless --keep-items)."""
    from .models.sync import SyncSource
    from .sync import remove_source

    with write_intent():
        source = db.session.get(SyncSource, source_id)
        if source is None:
            raise click.ClickException(f"no source {source_id}")
        removed = remove_source(source, keep_items)
        db.session.commit()
    click.echo(f"source {source_id} unlinked, {removed} items deleted")
