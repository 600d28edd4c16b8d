"""Routes of the surveys (issue #17). Sections: the organiser's builder (/surveys/…), the public
answer page (/s/<token>), the results (/surveys/<id>/results…)."""
from datetime import date as _date

from flask import make_response, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...errors import fail
from ...extensions import db
from ...htmx import is_htmx, render
from ...models.audit import AuditLog
from ...models.base import utcnow
from ...models.surveys import Survey
from ...policy import can
from ..stats.charts import bar_chart
from . import bp
from . import results as survey_results

# ---------------------------------------------------------------- builder (/surveys/…)

# ---------------------------------------------------------------- public answers (/s/<token>)

# ---------------------------------------------------------------- results
# Results, CSV export, hiding abusive texts, the organiser's comparison (results.py).
def _managed(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        fail(404)
    if not can(current_user, "manage", survey):
        fail(403, _("Only the organiser of this survey and the editors of what it evaluates see its results."))
    return survey


def _int_arg(name: str) -> int | None:
    try:
        return max(1, min(int(request.args.get(name, "")), 10_000))
    except ValueError:
        return None


@bp.get("/surveys/<int:survey_id>/results")
@login_required
def results(survey_id):
    survey = _managed(survey_id)
    locale = str(get_locale())
    responses, questions = survey_results.survey_results(survey, _int_arg("question"), _int_arg("page") or 1, locale)
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


# PLACEHOLDER (removed at merge): the builder's endpoints that surveys/_tabs.html links to.
@bp.get("/surveys/<int:survey_id>", endpoint="edit")
@bp.get("/surveys/<int:survey_id>/share", endpoint="share")
def _placeholder(survey_id):
    fail(404)
