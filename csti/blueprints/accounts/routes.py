"""Accounts: sign-up with e-mail confirmation, login, password reset, profile, settings,
data export and account deletion. Domain logic lives in operations.py (sessions: csti/sessions.py)."""
import json

from flask import Response, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ...database import write_intent
from ...errors import fail
from ...extensions import db
from ...htmx import render
from ...i18n import gettext as _
from ...listing import card_options, multi, paginate
from ...models import ARCHIVED, PUBLISHED, STATUSES, Content, Membership, Territory, User
from ...models.base import utcnow
from ...models.content import STATUS_LABELS
from ...policy import can
from ...sanctions import blocking_sanction, refusal_message
from ...sessions import end_other_sessions, log_in, log_out
from ...throttle import store
from ...uploads import ImageError, delete_upload, save_image
from ...urls import safe_next
from . import bp
from .forms import DeleteForm, EmptyForm, ForgotForm, LoginForm, PasswordForm, ProfileForm, RegisterForm, ResetForm
from .operations import (
    TokenError,
    delete_account,
    export_user_data,
    login_blocked,
    my_content,
    my_content_counts,
    my_content_types,
    read_confirm_token,
    read_reset_token,
    record_login_failure,
    record_login_success,
    send_already_registered,
    send_confirmation,
    send_reset,
    signup_allowed,
    slow_down,
)


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def _allow(key: str, limit: int, window: int) -> bool:
    """Count one use of ``key``; False once ``limit`` uses happened within ``window`` seconds."""
    return store().hit(key, window) <= limit


# --- sign-up and confirmation ----------------------------------------------------------------
@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    territories = Territory.by_name()
    form.territory.choices = [(0, _("Choose later"))] + [(t.id, t.name) for t in territories]
    if form.validate_on_submit():
        if not signup_allowed(_client_ip()):
            db.session.commit()
            form.email.errors.append(_("Too many sign-ups from your connection. Please try again in an hour."))
            return render("accounts/register.html", form=form, status=429)
        email = User.normalize_email(form.email.data)
        existing = User.by_email(email)
        sent = True
        if existing is not None:
            # Same answer as a new sign-up: never reveal that an address has an account.
            generate_password_hash(form.password.data)  # same time spent as a real sign-up
            if _allow(f"already:{email}", 3, 3600):
                sent = send_already_registered(email, existing.locale)
        else:
            user = User(email=email, name=form.name.data.strip(), locale=_current_locale())
            user.set_password(form.password.data)
            db.session.add(user)
            if form.territory.data:
                territory = db.session.get(Territory, form.territory.data)
                if territory is not None:
                    db.session.add(Membership(user=user, territory=territory))
            db.session.flush()
            sent = send_confirmation(user)
        db.session.commit()
        # The account is kept even when the mail server is down: the page says to ask again.
        return render("accounts/check_email.html", email=email, mail_failed=not sent)
    return render("accounts/register.html", form=form, status=422 if form.errors else 200)


def _current_locale():
    from flask_babel import get_locale

    return str(get_locale())


def _token_error(error: TokenError, kind: str):
    if error.used:
        message = _("This link was used already: your e-mail address is confirmed. Log in to continue.")
    elif error.expired:
        message = _("This link has expired.")
    else:
        message = _("This link is not valid: it may have been used already or copied incompletely.")
    return render("accounts/token_error.html", message=message, kind=kind, used=error.used, status=400)


@bp.get("/confirm/<token>")
def confirm(token):
    """Confirm the address and log its owner in — once: the link is spent when the address is
    confirmed, and dead after a password change or "log out everywhere". It never switches a
    browser logged in as someone else into this account. A GET that writes: its transaction
    is a writing one from the start (SQLite: BEGIN IMMEDIATE), as for any POST."""
    logged_in = current_user._get_current_object() if current_user.is_authenticated else None
    db.session.commit()  # end the reading transaction the user loader may have opened
    with write_intent():
        try:
            user = read_confirm_token(token)
        except TokenError as error:
            db.session.rollback()
            return _token_error(error, "confirm")
        if logged_in is not None and logged_in.id != user.id:
            db.session.rollback()
            return render("accounts/confirm_other.html", empty_form=EmptyForm(formdata=None), status=409)
        user.email_confirmed_at = utcnow()
        if logged_in is None and blocking_sanction(user) is None:
            log_in(user)
        db.session.commit()
    flash(_("Your e-mail address is confirmed. Welcome!"), "success")
    return redirect(url_for("myfeed.welcome"), code=303)


@bp.route("/confirm", methods=["GET", "POST"])
def resend_confirmation():
    """A new confirmation link: for the logged-in user, or for an address (same answer
    whether or not it has an account)."""
    form = ForgotForm()
    if current_user.is_authenticated and request.method == "POST":
        if not EmptyForm().validate_on_submit():
            fail(400)
        if current_user.is_confirmed:
            flash(_("Your e-mail address is already confirmed."), "info")
        elif _allow(f"confirm:{current_user.id}", 3, 3600):
            if send_confirmation(current_user):
                flash(_("A new confirmation link was sent to %(email)s.", email=current_user.email), "success")
            else:
                flash(_("The mail could not be sent right now. Please try again in a few minutes."), "warning")
        else:
            flash(_("Several links were sent already: check your mailbox (and its spam folder), or try again in an hour."), "warning")
        db.session.commit()
        return redirect(url_for("accounts.settings"), code=303)
    if form.validate_on_submit():
        email = User.normalize_email(form.email.data)
        user = User.by_email(email)
        if user is not None and not user.is_confirmed and _allow(f"confirm:{user.id}", 3, 3600):
            send_confirmation(user)
        db.session.commit()
        return render("accounts/check_email.html", email=email)
    return render("accounts/resend.html", form=form, status=422 if form.errors else 200)


# --- login / logout ----------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    next_url = safe_next(request.args.get("next") or request.form.get("next"))
    if form.validate_on_submit():
        email = User.normalize_email(form.email.data)
        ip = _client_ip()
        if login_blocked(ip, email):
            minutes = max(1, current_app.config["LOGIN_WINDOW_SECONDS"] // 60)
            form.email.errors.append(_("Too many failed attempts. Wait %(n)d minutes, or reset your password.",
                                       n=minutes))
            return render("accounts/login.html", form=form, next_url=next_url, status=429)
        user = User.by_email(email)
        if user is None or not user.check_password(form.password.data):
            if user is None:
                generate_password_hash(form.password.data)  # same time spent either way
            delay = record_login_failure(ip, email)
            db.session.commit()
            slow_down(delay)  # after the commit: never while holding the write lock
            form.password.errors.append(_("Wrong e-mail address or password."))
            return render("accounts/login.html", form=form, next_url=next_url, status=422)
        sanction = blocking_sanction(user)
        if sanction is not None:  # the right password, but suspended or banned: say until when
            record_login_success(ip, email)
            db.session.commit()
            form.email.errors.append(refusal_message(sanction, user))
            return render("accounts/login.html", form=form, next_url=next_url, status=403)
        record_login_success(ip, email)
        user.last_login_at = utcnow()
        if current_user.is_authenticated:
            log_out()  # another account's session on this browser ends first
        log_in(user, remember=form.remember.data)
        db.session.commit()
        flash(_("Hello %(name)s!", name=user.name), "success")
        return redirect(next_url or url_for("main.index"), code=303)
    return render("accounts/login.html", form=form, next_url=next_url, status=422 if form.errors else 200)


@bp.post("/logout")
def logout():
    if not EmptyForm().validate_on_submit():
        fail(400)
    log_out()
    db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"), code=303)


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    if not EmptyForm().validate_on_submit():
        fail(400)
    user = current_user._get_current_object()
    end_other_sessions(user)  # this session stays open
    db.session.commit()
    flash(_("Every other session is closed."), "success")
    return redirect(url_for("accounts.settings"), code=303)


# --- password reset ----------------------------------------------------------------------------
@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        email = User.normalize_email(form.email.data)
        user = User.by_email(email)
        if user is not None and _allow(f"reset:{user.id}", 3, 3600):
            send_reset(user)
        db.session.commit()
        # Same answer whether or not the address has an account.
        return render("accounts/forgot_sent.html", email=email)
    return render("accounts/forgot.html", form=form, status=422 if form.errors else 200)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token):
    try:
        user = read_reset_token(token)
    except TokenError as error:
        return _token_error(error, "reset")
    form = ResetForm()
    form.email.data = user.email
    if form.validate_on_submit():
        if current_user.is_authenticated:
            log_out()
        user.set_password(form.password.data)
        user.session_token = None
        end_other_sessions(user)  # every session ends, then this browser gets a new one
        if user.email_confirmed_at is None:
            user.email_confirmed_at = utcnow()  # the link proved the address
        record_login_success(_client_ip(), user.email)
        sanction = blocking_sanction(user)
        if sanction is not None:  # the password is changed, but no session while sanctioned
            db.session.commit()
            flash(refusal_message(sanction, user), "warning")
            return redirect(url_for("accounts.login"), code=303)
        log_in(user)
        db.session.commit()
        flash(_("Your password is changed. Every other session is closed."), "success")
        return redirect(url_for("main.index"), code=303)
    return render("accounts/reset.html", form=form, status=422 if form.errors else 200)


# --- profile and settings ------------------------------------------------------------------------
@bp.get("/members/<int:user_id>")
def profile(user_id):
    from ...models.actors import Actor, ActorMember

    user = db.session.get(User, user_id) if user_id < 2**63 else None  # beyond any id (and BIGINT)
    if user is None:
        fail(404)
    contents = db.session.scalars(
        select(Content).options(*card_options(Content))
        .where(Content.author_id == user.id, Content.status == PUBLISHED, Content.public_clause())
        .order_by(Content.published_at.desc()).limit(24)).all()
    structures = db.session.execute(
        select(Actor, ActorMember.role).join(ActorMember, ActorMember.actor_id == Actor.id)
        .where(ActorMember.user_id == user.id, Actor.status == PUBLISHED).order_by(Actor.title)).all()
    sanction = None
    if current_user.is_authenticated and (can(current_user, "suspend", user) or can(current_user, "ban", user)):
        sanction = blocking_sanction(user)
    return render("accounts/profile.html", person=user, contents=contents, structures=structures,
                  sanction=sanction)


def _settings_page(profile_form=None, password_form=None, delete_form=None, status=200):
    from ...models.actors import Actor, ActorMember

    user = current_user
    if profile_form is None:
        profile_form = ProfileForm(formdata=None, obj=user)
        profile_form.locale.data = user.locale or _current_locale()
    structures = db.session.execute(
        select(Actor, ActorMember.role).join(ActorMember, ActorMember.actor_id == Actor.id)
        .where(ActorMember.user_id == user.id).order_by(Actor.title)).all()
    return render("accounts/settings.html", profile_form=profile_form,
                  password_form=password_form or PasswordForm(formdata=None),
                  delete_form=delete_form or DeleteForm(formdata=None), empty_form=EmptyForm(formdata=None),
                  structures=structures, status=status)


MY_CONTENT_PER_PAGE = 20
MY_CONTENT_MAX_PAGE = 10_000


@bp.get("/me/content", endpoint="my_content")
@login_required
def my_content_page():
    """Everything the member wrote, in every status, with its status, a rejection's reason and
    an edit link where they may edit it; filtered by status and kind (the ``results`` block for
    htmx, docs/architecture.md §5)."""
    user = current_user._get_current_object()
    types = my_content_types()
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    kinds = multi(request.args, "kind", [t.kind for t in types])[:1]
    number = min(max(request.args.get("page", 1, type=int), 1), MY_CONTENT_MAX_PAGE)
    page = paginate(my_content(user, status or None, kinds), Content.id, number, MY_CONTENT_PER_PAGE)
    counts = my_content_counts(user)
    statuses = [s for s in STATUSES if s != ARCHIVED or counts[ARCHIVED] or status == ARCHIVED]
    args = {"status": status or None, "kind": kinds[0] if kinds else None}
    return render("accounts/my_content.html", block="results", page=page, counts=counts, chosen=status,
                  statuses=[(s, STATUS_LABELS[s]) for s in statuses], kind=kinds[0] if kinds else "", types=types,
                  page_url=lambda n: url_for("accounts.my_content", page=n, **args))


@bp.get("/account")
@login_required
def settings():
    return _settings_page()


@bp.post("/account/profile")
@login_required
def edit_profile():
    user = current_user._get_current_object()
    form = ProfileForm()
    if not form.validate_on_submit():
        return _settings_page(profile_form=form, status=422)
    new_avatar = None
    upload = form.avatar.data
    if upload is not None and getattr(upload, "filename", ""):
        try:
            new_avatar = save_image(upload, "avatars", square=256, widths=())
        except ImageError as error:
            form.avatar.errors.append(str(error))
            return _settings_page(profile_form=form, status=422)
    old_avatar = user.avatar
    user.name = form.name.data.strip()
    user.bio = (form.bio.data or "").strip()
    user.website = (form.website.data or "").strip()
    user.locale = form.locale.data
    if new_avatar:
        user.avatar = new_avatar
    elif form.remove_avatar.data:
        user.avatar = None
    db.session.commit()
    if old_avatar and old_avatar != user.avatar:
        delete_upload(old_avatar)
    flash(_("Your profile is saved."), "success")
    return redirect(url_for("accounts.settings"), code=303)


@bp.post("/account/password")
@login_required
def change_password():
    user = current_user._get_current_object()
    form = PasswordForm()
    form.email.data = user.email
    valid = form.validate_on_submit()
    if valid and not user.check_password(form.current.data):
        form.current.errors.append(_("This is not your current password."))
        valid = False
    if not valid:
        return _settings_page(password_form=form, status=422)
    user.set_password(form.password.data)
    end_other_sessions(user)  # this session stays open, every other one ends
    db.session.commit()
    flash(_("Your password is changed. Every other session is closed."), "success")
    return redirect(url_for("accounts.settings"), code=303)


@bp.post("/account/structures/<int:actor_id>/leave")
@login_required
def leave_structure(actor_id):
    from ...models.actors import ActorMember

    if not EmptyForm().validate_on_submit():
        fail(400)
    membership = db.session.scalar(select(ActorMember).where(
        ActorMember.actor_id == actor_id, ActorMember.user_id == current_user.id))
    if membership is None:
        fail(404)
    db.session.delete(membership)
    db.session.commit()
    flash(_("You left the structure."), "success")
    return redirect(url_for("accounts.settings"), code=303)


@bp.get("/account/export.json")
@login_required
def export():
    data = export_user_data(current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="csti-my-data.json"',
                             "Cache-Control": "no-store"})


@bp.post("/account/delete")
@login_required
def delete():
    user = current_user._get_current_object()
    form = DeleteForm()
    valid = form.validate_on_submit()
    if valid and not user.check_password(form.password.data):
        form.password.errors.append(_("This is not your password."))
        valid = False
    if not valid:
        return _settings_page(delete_form=form, status=422)
    log_out()
    delete_account(user, keep_content=form.content.data == "keep")
    db.session.commit()
    flash(_("Your account is deleted. Goodbye!"), "success")
    return redirect(url_for("main.index"), code=303)


from . import api_keys  # noqa: E402,F401 — the API keys page (/account/api-keys) on the same blueprint
