"""Routes of the surveys (issue #17). Sections: the organiser's builder (/surveys/…), the public
answer page (/s/<token>), the results (/surveys/<id>/results…)."""
from datetime import date as _date

from flask import Response as HttpResponse
from flask import flash, make_response, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...i18n import gettext as _
from ...models.audit import AuditLog
from ...models.base import utcnow
from ...models.content import Content
from ...models.surveys import Choice, Question, Survey
from ...policy import can
from ..stats.charts import bar_chart
from . import bp
from . import builder as b
from . import results as survey_results
from .templates import TEMPLATES, create_survey

# ---------------------------------------------------------------- builder (/surveys/…)


def _managed(survey_id) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        fail(404)
    if not can(current_user, "manage", survey):
        fail(403, _("Only the organiser of this survey and whoever may edit what it evaluates may change it."))
    return survey


def _question(survey, question_id) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.survey_id != survey.id:
        fail(404)
    return question


def _choice(survey, choice_id) -> Choice:
    choice = db.session.get(Choice, choice_id)
    if choice is None or choice.question.survey_id != survey.id:
        fail(404)
    return choice


@bp.app_template_global()
def surveys_of_item(item) -> list:
    """The surveys of an event, project or resource (for those who may evaluate it)."""
    return b.item_surveys(item)


@bp.get("/surveys/")
@login_required
def mine():
    # The SQL is the policy's, but for items kept for a working group's members: those are asked.
    surveys = [s for s in db.session.scalars(b.managed_surveys(current_user)).unique()
               if s.owner_id == current_user.id or s.content is None or not s.content.members_only
               or can(current_user, "manage", s)]
    return render("surveys/mine.html", surveys=surveys, state=b.state, states=b.STATES)


def _evaluated_content():
    """The item of ``?content=`` the member may evaluate (404 if unseen or not evaluable, 403)."""
    raw = request.args.get("content") or request.form.get("content")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:  # "²".isdigit() is True
        fail(404)
    content = db.session.get(Content, int(raw))
    if content is None or content.kind not in b.EVALUATED_KINDS or not can(current_user, "view", content):
        fail(404)
    if not can(current_user, "evaluate", content):
        fail(403, _("Only whoever may edit this item may evaluate it."))
    return content


@bp.route("/surveys/new", methods=["GET", "POST"])
@login_required
def new():
    content = _evaluated_content()
    if content is None and not can(current_user, "create_survey"):
        fail(403, _("Confirm your e-mail address before making a survey."))
    form = b.NewSurveyForm()
    if form.validate_on_submit():
        title = (form.title.data or "").strip()
        langs = form.languages.data
        survey = create_survey(current_user, template=form.template.data or "", content=content, languages=langs,
                               title_fr=title if "fr" in langs else "",
                               title_en=title if langs == "en" else "")
        db.session.commit()
        flash(_("The survey is made. Check its questions, then publish it."), "success")
        return redirect(url_for("surveys.edit", survey_id=survey.id), code=303)
    status = 422 if form.errors else 200
    return render("surveys/new.html", status=status, form=form, content=content, templates=TEMPLATES,
                  descriptions=b.TEMPLATE_DESCRIPTIONS)


def _edit_page(survey, status=200, settings=None, forms=None, error=None, focus=None):
    """The edit page, or for htmx its list of questions; ``forms`` ({prefix: bound form}) keep
    what was typed in a refused form, ``error`` ((prefix, field, message)) says what and where."""
    forms = forms or {}
    qforms = {q.id: forms.get(f"q{q.id}") or b.question_form(q) for q in survey.questions}
    cforms = {c.id: forms.get(f"c{c.id}") or b.choice_form(c) for q in survey.questions for c in q.choices}
    ncforms = {q.id: forms.get(f"nc{q.id}") or b.choice_form(question=q) for q in survey.questions}
    context = dict(survey=survey, settings=settings or b.settings_form(survey), qforms=qforms, cforms=cforms,
                   ncforms=ncforms, newform=forms.get("new") or b.question_form(), error=error, focus=focus,
                   answers=b.answer_counts(survey), state=b.state(survey), states=b.STATES,
                   langs=b.languages_of(survey), problems=b.publish_problems(survey) if not survey.published else [],
                   responses=b.has_responses(survey), limits=dict(questions=b.QUESTIONS_MAX, choices=b.CHOICES_MAX))
    if is_htmx() and request.method == "POST" and request.endpoint != "surveys.edit":
        return render("surveys/_questions.html", status=status, **context)
    return render("surveys/edit.html", status=status, **context)


def _after(survey, anchor, message=None, focus=None):
    db.session.commit()
    if is_htmx():
        if message:
            flash(message, "success")
        return _edit_page(survey, focus=focus or anchor)
    if message:
        flash(message, "success")
    return redirect(url_for("surveys.edit", survey_id=survey.id, _anchor=anchor), code=303)


def _apply(survey, form, prefix: str, operation, anchor, message, focus=None):
    """The builder's pattern: ``form`` checked, then ``operation()`` — the form's errors or the
    operation's refusal next to the fields (422, nothing saved), else ``_after``. ``anchor`` may
    be a function of what the operation returned (a new question's id)."""
    if not form.validate():
        return _edit_page(survey, 422, forms={prefix: form}, focus=prefix)
    try:
        done = operation()
        db.session.flush()
        b.check_still_answerable(survey)
    except b.BuilderError as error:
        return _refused(survey, error, prefix, form)
    return _after(survey, anchor(done) if callable(anchor) else anchor, message, focus=focus)


def _refused(survey, error: b.BuilderError, prefix: str, form=None):
    db.session.rollback()
    db.session.refresh(survey)
    if form is None:  # a removal refused: the message next to its choice or question (htmx swaps
        # a 422 only — the page's re-rendered part, as for a form; without JS: its own status)
        return _edit_page(survey, 422 if is_htmx() else error.status, error=(prefix, None, str(error)), focus=prefix)
    if error.status != 422:
        fail(error.status, str(error))
    if error.field and error.field in form:
        form[error.field].errors = list(form[error.field].errors) + [str(error)]
    return _edit_page(survey, 422, forms={prefix: form}, error=(prefix, error.field, str(error)), focus=prefix)


@bp.route("/surveys/<int:survey_id>", methods=["GET", "POST"])
@login_required
def edit(survey_id):
    survey = _managed(survey_id)
    if request.method == "GET":
        return _edit_page(survey)
    form = b.settings_form(survey, request.form)
    if not form.validate():
        return _edit_page(survey, 422, settings=form, focus="settings")
    try:
        b.apply_settings(survey, form)
    except b.BuilderError as error:
        db.session.rollback()
        db.session.refresh(survey)
        form.published.errors = [str(error)]
        return _edit_page(survey, 422, settings=form, focus="settings")
    db.session.commit()
    flash(_("The survey is saved."), "success")
    return redirect(url_for("surveys.edit", survey_id=survey.id, _anchor="settings"), code=303)


@bp.route("/surveys/<int:survey_id>/delete", methods=["GET", "POST"])
@login_required
def delete(survey_id):
    """Delete a survey with its questions and every response (asked first; audited, with the
    number of responses lost)."""
    survey = _managed(survey_id)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render("surveys/delete.html", survey=survey, responses=b.response_total(survey))
    title = survey.title(str(get_locale())) or _("Untitled survey")
    AuditLog.record(current_user, "survey.deleted", survey, territory=survey.territory, survey=survey.id,
                    title=title, responses=b.response_total(survey))
    db.session.delete(survey)
    db.session.commit()
    flash(_("The survey “%(title)s” is deleted, with its responses.", title=title), "success")
    return redirect(url_for("surveys.mine"), code=303)


@bp.post("/surveys/<int:survey_id>/questions")
@login_required
def add_question(survey_id):
    survey = _managed(survey_id)
    form = b.question_form(formdata=request.form)
    return _apply(survey, form, "new", lambda: b.add_question(survey, form),
                  lambda question: f"question-{question.id}", _("The question is added."))


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>")
@login_required
def update_question(survey_id, question_id):
    survey = _managed(survey_id)
    question = _question(survey, question_id)
    prefix = f"q{question.id}"
    form = b.question_form(question, formdata=request.form)
    return _apply(survey, form, prefix, lambda: b.update_question(question, form), f"question-{question.id}",
                  _("The question is saved."))


@bp.route("/surveys/<int:survey_id>/questions/<int:question_id>/delete", methods=["GET", "POST"])
@login_required
def delete_question(survey_id, question_id):
    survey = _managed(survey_id)
    question = _question(survey, question_id)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render("surveys/delete_question.html", survey=survey, question=question,
                      answers=b.answer_counts(survey).get(question.id, 0))
    try:
        b.delete_question(question)
        b.check_still_answerable(survey)
    except b.BuilderError as error:
        return _refused(survey, error, f"q{question_id}")
    return _after(survey, "questions", _("The question is deleted."))


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/<any(up, down):direction>")
@login_required
def move_question(survey_id, question_id, direction):
    survey = _managed(survey_id)
    question = _question(survey, question_id)
    moved = b.move(survey.questions, question, -1 if direction == "up" else 1)
    return _after(survey, f"question-{question.id}",
                  (_("The question moved up.") if direction == "up" else _("The question moved down.")) if moved else None,
                  focus=f"question-{question.id}-{direction}")


@bp.post("/surveys/<int:survey_id>/questions/<int:question_id>/choices")
@login_required
def add_choice(survey_id, question_id):
    survey = _managed(survey_id)
    question = _question(survey, question_id)
    prefix = f"nc{question.id}"
    form = b.choice_form(question=question, formdata=request.form)
    return _apply(survey, form, prefix, lambda: b.add_choice(question, form), f"question-{question.id}",
                  _("The choice is added."), focus=prefix)


@bp.post("/surveys/<int:survey_id>/choices/<int:choice_id>")
@login_required
def update_choice(survey_id, choice_id):
    survey = _managed(survey_id)
    choice = _choice(survey, choice_id)
    prefix = f"c{choice.id}"
    form = b.choice_form(choice, formdata=request.form)
    return _apply(survey, form, prefix, lambda: b.update_choice(choice, form), f"question-{choice.question_id}",
                  _("The choice is saved."))


@bp.post("/surveys/<int:survey_id>/choices/<int:choice_id>/delete")
@login_required
def delete_choice(survey_id, choice_id):
    survey = _managed(survey_id)
    choice = _choice(survey, choice_id)
    question_id = choice.question_id
    try:
        b.delete_choice(choice)
        b.check_still_answerable(survey)
    except b.BuilderError as error:
        return _refused(survey, error, f"c{choice_id}")
    return _after(survey, f"question-{question_id}", _("The choice is removed."), focus=f"nc{question_id}")


@bp.post("/surveys/<int:survey_id>/choices/<int:choice_id>/<any(up, down):direction>")
@login_required
def move_choice(survey_id, choice_id, direction):
    survey = _managed(survey_id)
    choice = _choice(survey, choice_id)
    b.move(choice.question.choices, choice, -1 if direction == "up" else 1)
    return _after(survey, f"question-{choice.question_id}", focus=f"choice-{choice.id}-{direction}")


def _public_link(survey) -> str:
    return url_for("surveys.answer", token=survey.token, _external=True)


@bp.get("/surveys/<int:survey_id>/share")
@login_required
def share(survey_id):
    survey = _managed(survey_id)
    return render("surveys/share.html", survey=survey, link=_public_link(survey), state=b.state(survey),
                  states=b.STATES, printable=request.args.get("print") == "1")


@bp.get("/surveys/<int:survey_id>/qr.svg")
@login_required
def qr(survey_id):
    survey = _managed(survey_id)
    response = HttpResponse(b.qr_svg(_public_link(survey)), mimetype="image/svg+xml")
    if request.args.get("download") == "1":
        response.headers["Content-Disposition"] = f'attachment; filename="survey-{survey.token}.svg"'
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- public answers (/s/<token>)
# isort: off
from flask import current_app  # noqa: E402
from flask_babel import force_locale  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from ...extensions import csrf  # noqa: E402
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
        had_cookie = bool(device)
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
    # A post that came without the cookie (refused cookies, or a cross-site post, which a
    # SameSite=Lax cookie does not go with) leaves the browser's own device token alone.
    return _set_device_cookie(response, device) if had_cookie else response


@bp.get("/s/<token>/thanks", endpoint="thanks")
def thanks(token):
    survey = _published_survey(token)
    lang = answering.shown_language(survey, str(get_locale()))
    with force_locale(lang):
        return render("surveys/thanks.html", survey=survey, lang=lang, about=_about(survey))


# ---------------------------------------------------------------- results
# Results, CSV export, hiding abusive texts, the organiser's comparison (results.py).
def _int_arg(name: str, most: int = 2**31 - 1) -> int | None:
    """A positive whole number of the query string (at most ``most``), None when absent or wrong."""
    raw = request.args.get(name, "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    return max(1, min(int(raw), most))


@bp.get("/surveys/<int:survey_id>/results")
@login_required
def results(survey_id):
    survey = _managed(survey_id)
    locale = str(get_locale())
    responses, questions = survey_results.survey_results(survey, _int_arg("question"), _int_arg("page", 10_000) or 1, locale)
    return render("surveys/results.html", block="summary" if request.args.get("summary") else None,
                  survey=survey, responses=responses, questions=questions, locale=locale,
                  generated_at=utcnow(), chart=bar_chart, **survey_results.FORMATS)


@bp.get("/surveys/<int:survey_id>/results.csv")
@login_required
def export(survey_id):
    survey = _managed(survey_id)
    response = make_response(survey_results.export_csv(survey, str(get_locale())))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    # Only ASCII letters, digits and dashes: nothing a title could smuggle into the header.
    response.headers["Content-Disposition"] = (f'attachment; filename="survey-{survey.id}-{survey.token}-'
                                               f'{_date.today().isoformat()}.csv"')
    return response


def _set_hidden(survey_id: int, answer_id: int, hidden: bool):
    survey = _managed(survey_id)
    found = survey_results.text_answer(survey, answer_id)
    if found is None:
        fail(404)
    answer, response = found
    if answer.hidden != hidden:
        answer.hidden = hidden
        if hidden:
            AuditLog.record(current_user, "survey.answer_hidden", answer, territory=survey.territory, survey=survey.id)
        else:
            AuditLog.record(current_user, "survey.answer_shown", answer, territory=survey.territory, survey=survey.id)
        db.session.commit()
    if is_htmx():
        row = survey_results.TextRow(answer.id, answer.text, response.submitted_at, answer.hidden)
        return render("surveys/_results_text.html", survey=survey, row=row)
    return redirect(url_for("surveys.results", survey_id=survey.id) + f"#question-{answer.question_id}", code=303)


@bp.post("/surveys/<int:survey_id>/answers/<int:answer_id>/hide")
@login_required
def hide_answer(survey_id, answer_id):
    return _set_hidden(survey_id, answer_id, True)


@bp.post("/surveys/<int:survey_id>/answers/<int:answer_id>/unhide")
@login_required
def unhide_answer(survey_id, answer_id):
    return _set_hidden(survey_id, answer_id, False)


@bp.get("/surveys/compare")
@login_required
def compare():
    return render("surveys/results_compare.html", rows=survey_results.compare(current_user), **survey_results.FORMATS)


