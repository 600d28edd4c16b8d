"""Routes of the surveys (issue #17). Sections: the organiser's builder (/surveys/…), the public
answer page (/s/<token>), the results (/surveys/<id>/results…)."""
from . import bp  # noqa: F401

# ---------------------------------------------------------------- builder (/surveys/…)

# ---------------------------------------------------------------- public answers (/s/<token>)
# isort: off
from flask import current_app, redirect, request, url_for  # noqa: E402
from flask_babel import force_locale, get_locale  # noqa: E402
from flask_babel import gettext as _  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from ...errors import fail  # noqa: E402
from ...extensions import csrf, db  # noqa: E402
from ...htmx import render  # noqa: E402
from ...models.surveys import Question, Survey  # noqa: E402
from . import answering  # noqa: E402
# isort: on


def _published_survey(token: str) -> Survey:
    """The survey of a public link, its questions and choices loaded; 404 unless published."""
    survey = db.session.scalar(
        select(Survey).where(Survey.token == token)
        .options(selectinload(Survey.questions).selectinload(Question.choices)))
    if survey is None or not survey.published:
        fail(404)
    return survey


def _about(survey: Survey):
    """The published item the survey evaluates (linked from the page), else None."""
    content = survey.content
    if content is None or not content.is_published or content.members_only:
        return None
    return content


def _answer_page(survey, lang, *, status=200, checked=None, notice=None, form_error=None, state=None):
    """The answer page in the survey's language ``lang`` (the whole page: its interface too),
    a fresh nonce in its form."""
    with force_locale(lang):
        response = render("surveys/answer.html", status=status, survey=survey, lang=lang, about=_about(survey),
                          checked=checked, notice=notice, form_error=form_error, state=state,
                          nonce=answering.new_nonce(survey), field_name=answering.field_name,
                          honeypot=answering.HONEYPOT, short_max=answering.SHORT_MAX,
                          long_max=answering.LONG_MAX)
    response.headers["Cache-Control"] = "no-store"
    return response


def _set_device_cookie(response, token):
    response.set_cookie(answering.DEVICE_COOKIE, token, max_age=answering.DEVICE_COOKIE_AGE, path="/s/",
                        httponly=True, samesite="Lax", secure=request.is_secure)
    return response


@bp.route("/s/<token>", methods=["GET", "POST"], endpoint="answer")
@csrf.exempt
def answer(token):
    """The public answer page: no account, no JavaScript (answering.py says how one device answers
    once and a replay counts once).

    CSRF: exempt from the site-wide CSRFProtect, whose token lives in the session cookie: a
    participant whose browser refuses cookies must still be able to answer. The signed one-time
    nonce stands in for it: it cannot be forged, names this survey, expires after a day and is
    accepted once. A forged cross-site post could at most add one answer the attacker could give
    anyway (no account acts here; the device cookie is SameSite=Lax, so not sent with it).

    Statuses: unknown or unpublished survey 404; closed 410 (gone for good); not yet open 403
    (the survey exists and the request is understood, but answering is not allowed yet — 409 is
    for a write that conflicts with the resource's state, and a GET writes nothing)."""
    survey = _published_survey(token)
    lang = answering.shown_language(survey, str(get_locale()))
    state = answering.state(survey)
    if state == answering.CLOSED:
        return _answer_page(survey, lang, status=410, state=state)
    if state == answering.NOT_YET:
        return _answer_page(survey, lang, status=403, state=state)
    device = request.cookies.get(answering.DEVICE_COOKIE) or ""
    if len(device) > 64:
        device = ""
    if request.method == "GET":
        if device and answering.already_answered(survey, answering.device_hash(device, survey)):
            return _answer_page(survey, lang, state="answered")
        return _set_device_cookie(_answer_page(survey, lang), device or answering.new_device_token())
    return _submit(survey, lang, device)


def _submit(survey, lang, device):
    from ...throttle import store

    config = current_app.config
    ip = request.remote_addr or "unknown"
    window = config.get("SURVEY_ANSWER_WINDOW_SECONDS", 600)
    counts = (store().hit(f"survey-answer:{ip}:{survey.id}", window),
              store().hit(f"survey-answer-ip:{ip}", window))
    db.session.commit()
    if (counts[0] > config.get("SURVEY_ANSWERS_PER_IP", 30)
            or counts[1] > config.get("SURVEY_ANSWERS_PER_IP_ALL", 120)):
        with force_locale(lang):
            fail(429, _("Too many answers were sent from your connection in the last minutes. "
                        "Please wait a few minutes, then send the form again."))
    with force_locale(lang):
        checked = answering.validate(survey, request.form)
        if request.form.get(answering.HONEYPOT):
            return _answer_page(survey, lang, status=422, checked=checked,
                                form_error=_("The field “Leave this field empty” must stay empty. "
                                             "Empty it and send the form again."))
        try:
            nonce, age = answering.read_nonce(request.form.get("nonce", ""), survey)
        except answering.NonceRefused as refused:
            message = (_("This form is more than a day old. Please check your answers and send it again.")
                       if refused.expired else
                       _("This form was not sent by this site. Please check your answers and send it again."))
            return _answer_page(survey, lang, status=400, checked=checked, form_error=message)
        if answering.too_fast(age):
            return _answer_page(survey, lang, status=422, checked=checked,
                                form_error=_("This form was sent very quickly after it was opened. "
                                             "Please check your answers and send it again."))
        device = device or answering.new_device_token()  # cookies refused: once per form load
        hashed = answering.device_hash(device, survey)
        if answering.already_answered(survey, hashed):
            return _answer_page(survey, lang, status=409, state="answered")
        if answering.nonce_used(survey, nonce):
            return _answer_page(survey, lang, status=409, state="recorded")
        if not checked.ok:
            return _answer_page(survey, lang, status=422, checked=checked)
        try:
            answering.record(survey, checked, hashed_device=hashed, nonce=nonce, locale=lang)
        except answering.AlreadyRecorded as already:
            survey = _published_survey(survey.token)
            return _answer_page(survey, lang, status=409,
                                state="answered" if already.reason == "device" else "recorded")
    response = redirect(url_for("surveys.thanks", token=survey.token), code=303)
    return _set_device_cookie(response, device)


@bp.get("/s/<token>/thanks", endpoint="thanks")
def thanks(token):
    survey = _published_survey(token)
    lang = answering.shown_language(survey, str(get_locale()))
    with force_locale(lang):
        return render("surveys/thanks.html", survey=survey, lang=lang, about=_about(survey))


# ---------------------------------------------------------------- results
