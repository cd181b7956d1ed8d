"""Views of the survey blueprint: start, one page per step, save and resume by private link."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from app import services
from app.answers import AnswerErrors
from app.db import get_session
from app.i18n import current_lang
from app.models import Diagnostic
from app.security import finish_limit, limiter, start_limit
from app.survey import forms
from app.survey.forms import FINISH, SAVE, StepPage, Submission

bp = Blueprint("survey", __name__, url_prefix="/diagnostic")


class UnknownLink(NotFound):
    """A private link that opens no diagnostic (mistyped, truncated, or deleted)."""


@bp.errorhandler(UnknownLink)
def unknown_link(_error: UnknownLink) -> ResponseReturnValue:
    """Explain that the link is unknown or expired, and offer to start again."""
    purge_days = current_app.config["PURGE_AFTER_DAYS"]
    return render_template("survey/unknown_link.html", purge_days=purge_days), 404


def _diagnostic(token: str) -> Diagnostic:
    """Return the diagnostic the private token opens, or raise UnknownLink."""
    diagnostic = services.find_by_token(get_session(), token)
    if diagnostic is None:
        raise UnknownLink()
    return diagnostic


def _page(diagnostic: Diagnostic, section_id: str) -> StepPage:
    """Return the step page of the diagnostic's questionnaire, or raise NotFound."""
    questionnaire = services.questionnaire_of(diagnostic)
    section = questionnaire.section(section_id)
    if section is None:
        raise NotFound()
    form = forms.step_form(questionnaire, section, diagnostic, current_lang())
    return StepPage(questionnaire, section, form, current_lang(), diagnostic.answers)


def _render(token: str, page: StepPage) -> str:
    """Render a step with its progress, its fields, its errors and the private link."""
    return render_template(
        "survey/step.html",
        page=page,
        token=token,
        link_url=url_for(".resume", token=token, _external=True),
        chosen_partners=forms.chosen_partners,
        selected_codes=forms.selected_codes,
        min_cell_size=current_app.config["MIN_CELL_SIZE"],
    )


@bp.post("/commencer")
@limiter.limit(start_limit, scope="diagnostic-start")
def start() -> ResponseReturnValue:
    """Create a diagnostic and go to its first step."""
    diagnostic, token = services.start(get_session(), current_lang())
    return redirect(url_for(".step", token=token, section_id=diagnostic.current_step))


@bp.get("/<token>")
def resume(token: str) -> ResponseReturnValue:
    """Go back to where the respondent stopped, or to the result once completed."""
    diagnostic = _diagnostic(token)
    if diagnostic.status == "completed":
        return redirect(url_for("results.show", token=token))
    questionnaire = services.questionnaire_of(diagnostic)
    section = questionnaire.section(diagnostic.current_step) or questionnaire.sections[0]
    return redirect(url_for(".step", token=token, section_id=section.id))


@bp.route("/<token>/etape/<section_id>", methods=["GET", "POST"])
@limiter.limit(
    finish_limit,
    methods=["POST"],
    exempt_when=lambda: request.form.get("nav") != FINISH,
    scope="diagnostic-finish",
)
def step(token: str, section_id: str) -> ResponseReturnValue:
    """Show a step; on POST save its valid answers and move as the pressed button asks."""
    if request.method == "GET":
        return _render(token, _page(_diagnostic(token), section_id))
    # One transaction per POST: the diagnostic is read once, then written once (services).
    diagnostic = _diagnostic(token)
    page = _page(diagnostic, section_id)
    sent = page.read()
    if sent.nav == FINISH and not sent.blocked:
        return _finish(token, diagnostic, page, sent)
    services.save_answers(
        get_session(),
        diagnostic,
        sent.step.answers,
        sent.current_step,
        cleared=sent.step.cleared,
        share_anonymised=sent.share_anonymised,
    )
    if sent.blocked:
        return _render(token, page)
    if sent.nav == SAVE:
        return redirect(url_for(".saved", token=token))
    return redirect(url_for(".step", token=token, section_id=sent.current_step))


def _finish(
    token: str, diagnostic: Diagnostic, page: StepPage, sent: Submission
) -> ResponseReturnValue:
    """Save the last step and score the diagnostic, or go to the first unanswered step."""
    try:
        services.finish(
            get_session(),
            diagnostic,
            sent.step.answers,
            sent.current_step,
            cleared=sent.step.cleared,
            share_anonymised=sent.share_anonymised,
            lang=page.lang,
        )
    except AnswerErrors as exc:
        missing = forms.missing_labels(page.questionnaire, exc.errors, page.lang)
        flash(
            _("Il manque des réponses pour terminer le diagnostic\u00a0: %(m)s.", m=missing),
            "error",
        )
        section = forms.first_section_with(page.questionnaire, exc.errors)
        return redirect(url_for(".step", token=token, section_id=section.id))
    return redirect(url_for("results.show", token=token))


@bp.get("/<token>/enregistre")
def saved(token: str) -> str:
    """Confirm the answers are saved and show the private link to come back later."""
    diagnostic = _diagnostic(token)
    return render_template(
        "survey/saved.html",
        token=token,
        diagnostic=diagnostic,
        link_url=url_for(".resume", token=token, _external=True),
        purge_days=current_app.config["PURGE_AFTER_DAYS"],
    )
