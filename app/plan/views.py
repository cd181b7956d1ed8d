"""Views of the action plan: the plan, an action's form, removal, CSV and iCalendar exports.

Every page is reached through the diagnostic's private result link; an action id of another
diagnostic answers 404, as an unknown token does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app import services
from app.db import get_session
from app.i18n import current_lang
from app.models import Diagnostic, PlanAction, Result
from app.plan import catalogue, exports, store
from app.plan.forms import ActionForm
from app.results import views as results

bp = Blueprint("plan", __name__, url_prefix="/resultat")

FILE_STEM = "plan-action-aict"


def _today() -> date:
    """Return today's date in UTC."""
    return datetime.now(UTC).date()


def _action(diagnostic: Diagnostic, action_id: int) -> PlanAction:
    """Return one action of the diagnostic's plan, or answer 404."""
    action = store.find(get_session(), diagnostic, action_id)
    if action is None:
        abort(404)
    return action


def plan_context(diagnostic: Diagnostic, result: Result) -> dict[str, Any]:
    """Return the plan's rows and the recommendations not in it, for the page and the brief."""
    lang = current_lang()
    actions = store.actions(get_session(), diagnostic)
    in_plan = {a.recommendation_id for a in actions}
    report = results.stored_report(result)
    return {
        "plan_rows": [exports.row(a, lang) for a in actions],
        "plan_missing": [r for r in report.recommendations if r.id not in in_plan],
    }


@bp.get("/<token>/plan")
def show(token: str) -> str:
    """Render the plan: its actions, the recommendations left out, the exports."""
    diagnostic, result = results._completed(token)
    return render_template(
        "plan/show.html",
        token=token,
        instruments=catalogue.load().instruments,
        lang=current_lang(),
        **plan_context(diagnostic, result),
    )


@bp.post("/<token>/plan/recommandations")
def keep_all(token: str) -> ResponseReturnValue:
    """Add every recommendation of the result not yet in the plan."""
    diagnostic, result = results._completed(token)
    added = store.keep_all(get_session(), diagnostic, results.stored_report(result))
    flash(_("%(n)s action(s) ajoutée(s) au plan.", n=added), "success")
    return redirect(url_for("plan.show", token=token))


def _render_form(token: str, form: ActionForm, action: PlanAction | None, origin: str) -> str:
    """Render the action form, with its error summary when it failed."""
    errors = [(field.id, error) for field in form for error in field.errors]
    return render_template(
        "plan/edit.html",
        token=token,
        form=form,
        action=action,
        origin=origin,
        errors=errors,
        instruments=catalogue.load().by_id("instruments"),
        lang=current_lang(),
    )


@bp.route("/<token>/plan/nouvelle", methods=["GET", "POST"])
def new(token: str) -> ResponseReturnValue:
    """Add an action: from a recommendation (``?recommandation=<id>``) or the officer's own."""
    diagnostic, result = results._completed(token)
    rec_id = request.args.get("recommandation", "")
    found = {r.id: r for r in results.stored_report(result).recommendations}
    rec = found.get(rec_id)
    if rec_id and rec is None:
        abort(404)
    form = ActionForm(lang=current_lang(), today=_today())
    if request.method == "GET" and rec is not None:
        form.title.data = rec.title
        form.instruments.data = catalogue.load().instruments_for(rec.id)
    if form.validate_on_submit():
        origin = (rec.id, rec.title) if rec is not None else None
        store.add(get_session(), diagnostic, form.values(), origin)
        flash(_("L'action a été ajoutée au plan."), "success")
        return redirect(url_for("plan.show", token=token))
    return _render_form(token, form, None, rec.title if rec is not None else "")


@bp.route("/<token>/plan/<int:action_id>", methods=["GET", "POST"])
def edit(token: str, action_id: int) -> ResponseReturnValue:
    """Change an action: title, pilote, élu référent, quarters, status, instruments."""
    diagnostic, _result = results._completed(token)
    action = _action(diagnostic, action_id)
    form = ActionForm(obj=action, lang=current_lang(), today=_today())
    if form.validate_on_submit():
        store.update(get_session(), action, form.values())
        flash(_("L'action a été enregistrée."), "success")
        return redirect(url_for("plan.show", token=token))
    return _render_form(token, form, action, action.recommendation_title or "")


@bp.post("/<token>/plan/<int:action_id>/retirer")
def remove(token: str, action_id: int) -> ResponseReturnValue:
    """Drop an action from the plan."""
    diagnostic, _result = results._completed(token)
    store.remove(get_session(), _action(diagnostic, action_id))
    flash(_("L'action a été retirée du plan."), "success")
    return redirect(url_for("plan.show", token=token))


def _attachment(body: str | bytes, mimetype: str, extension: str) -> Response:
    """Return a download that is never cached (it comes from a private link)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{FILE_STEM}.{extension}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<token>/plan.csv")
def download_csv(token: str) -> Response:
    """Send the plan as CSV for French Excel (UTF-8 with BOM, « ; »)."""
    diagnostic, _result = results._completed(token)
    body = exports.plan_csv(store.actions(get_session(), diagnostic), current_lang())
    return _attachment(body, "text/csv; charset=utf-8", "csv")


@bp.get("/<token>/plan.ics")
def download_ics(token: str) -> Response:
    """Send the plan as an iCalendar file: one task per action, a reminder to redo it."""
    diagnostic, result = results._completed(token)
    body = exports.plan_ics(
        store.actions(get_session(), diagnostic),
        current_lang(),
        result.created_at.date(),
        diagnostic.token_hash,
        request.host.split(":")[0] or "localhost",
    )
    return _attachment(body, "text/calendar; charset=utf-8", "ics")


@bp.post("/<token>/refaire")
def redo(token: str) -> ResponseReturnValue:
    """Start a new diagnostic pre-filled from this one; say which answers could not follow."""
    diagnostic, _result = results._completed(token)
    session = get_session()
    previous_questions = services.questionnaire_of(diagnostic).questions
    new, new_token, dropped = services.redo(session, diagnostic)
    flash(
        _(
            "Un nouveau diagnostic commence, pré-rempli avec vos réponses. Il a son propre lien "
            "privé\u00a0: gardez l'adresse de ses pages. Le diagnostic précédent reste tel quel."
        ),
        "success",
    )
    if dropped:
        lang = current_lang()
        names = [
            previous_questions[qid].short.get(lang) if qid in previous_questions else qid
            for qid in dropped
        ]
        flash(
            _(
                "Ces réponses n'ont pas pu être reprises, car le questionnaire a changé\u00a0: "
                "%(names)s. Répondez-y à nouveau.",
                names=", ".join(str(n) for n in names),
            ),
            "warning",
        )
    first = services.questionnaire_of(new).sections[0].id
    return redirect(url_for("survey.step", token=new_token, section_id=first))
