"""Views of team perspectives: the officer's page (create, revoke, divergence, consolidation)
reached by the result's private link, and the perception questions a perspective link opens.

A perspective link opens its own page only: it gives no access to the diagnostic, its result,
its plan or the other perspectives.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from app import services
from app.core.answers import AnswerErrors, validate
from app.core.model import Questionnaire
from app.db import get_session
from app.i18n import current_lang
from app.models import Diagnostic, Perspective, utcnow
from app.perspectives import divergence
from app.results import views as results
from app.security import limiter, perspective_limit
from app.survey.forms import selected_codes

bp = Blueprint("perspectives", __name__)


class PerceptionForm(FlaskForm):  # type: ignore[misc]
    """The perception questions, one field per question (built per version and language)."""


@cache
def form_class(questionnaire: Questionnaire, lang: str) -> type[PerceptionForm]:
    """Return the form class of a questionnaire's perception questions."""
    attrs = {
        q.id: q.kind.form_field(q, lang) for q in divergence.perception_questions(questionnaire)
    }
    return type("PerceptionForm", (PerceptionForm,), attrs)


def _perspectives(diagnostic: Diagnostic) -> list[Perspective]:
    """Return the diagnostic's perspectives, oldest first."""
    return list(
        get_session().scalars(
            select(Perspective)
            .where(Perspective.diagnostic_id == diagnostic.id)
            .order_by(Perspective.id)
        )
    )


def _percent(value: float) -> str:
    """Return a percentage with one decimal in the page's locale."""
    return results.score_text(value) + "\u00a0%"


def officer_context(diagnostic: Diagnostic) -> dict[str, Any]:
    """Return the perspectives and their divergence, for the officer's pages."""
    perspectives = _perspectives(diagnostic)
    questionnaire = services.questionnaire_of(diagnostic)
    return {
        "perspectives": perspectives,
        "roles": divergence.ROLES,
        "divergence": divergence.context(
            questionnaire, diagnostic, perspectives, current_lang(), _percent
        ),
    }


@bp.get("/resultat/<token>/regards")
def manage(token: str) -> str:
    """Render the officer's page of perspectives: links, divergence, consolidation."""
    diagnostic, _result = results._completed(token)
    return render_template("perspectives/manage.html", token=token, **officer_context(diagnostic))


@bp.post("/resultat/<token>/regards")
@limiter.limit(perspective_limit, scope="perspective-create")
def create(token: str) -> ResponseReturnValue:
    """Create a perspective link for a role and show it once."""
    diagnostic, _result = results._completed(token)
    role = request.form.get("role", "")
    if role not in divergence.ROLES:
        flash(_("Choisissez le rôle de la personne à qui vous enverrez le lien."), "error")
        return redirect(url_for("perspectives.manage", token=token))
    secret = services.new_token()
    session = get_session()
    session.add(
        Perspective(
            diagnostic_id=diagnostic.id,
            token_hash=services.hash_token(secret),
            role=role,
            answers={},
        )
    )
    session.commit()
    return render_template(
        "perspectives/created.html",
        token=token,
        role=divergence.ROLES[role],
        link=url_for("perspectives.answer", secret=secret, _external=True),
    )


def _own(diagnostic: Diagnostic, perspective_id: int) -> Perspective:
    """Return one perspective of this diagnostic, or answer 404."""
    found = get_session().get(Perspective, perspective_id)
    if found is None or found.diagnostic_id != diagnostic.id:
        abort(404)
    return found


@bp.post("/resultat/<token>/regards/<int:perspective_id>/revoquer")
def revoke(token: str, perspective_id: int) -> ResponseReturnValue:
    """Revoke a perspective link: the link stops working and its answers are deleted."""
    diagnostic, _result = results._completed(token)
    session = get_session()
    session.delete(_own(diagnostic, perspective_id))
    session.commit()
    flash(_("Le lien est révoqué et ses réponses sont supprimées."), "success")
    return redirect(url_for("perspectives.manage", token=token))


@bp.post("/resultat/<token>/regards/<int:perspective_id>/adopter")
def adopt(token: str, perspective_id: int) -> ResponseReturnValue:
    """Make a perspective's answer to one question the consolidated answer, and rescore."""
    diagnostic, _result = results._completed(token)
    perspective = _own(diagnostic, perspective_id)
    question_id = request.form.get("question", "")
    if question_id not in perspective.answers:
        abort(404)
    change = {question_id: perspective.answers[question_id]}
    try:
        services.finish(get_session(), diagnostic, change, diagnostic.current_step)
    except AnswerErrors:
        flash(_("Cette réponse ne peut pas être retenue avec vos autres réponses."), "error")
        return redirect(url_for("perspectives.manage", token=token))
    flash(_("La réponse retenue est enregistrée et votre résultat recalculé."), "success")
    return redirect(url_for("perspectives.manage", token=token))


def _by_secret(secret: str) -> tuple[Perspective, Diagnostic]:
    """Return the perspective a link opens and its diagnostic, or answer 404."""
    if not secret or len(secret) > 100:
        abort(404)
    session = get_session()
    perspective = session.scalar(
        select(Perspective).where(Perspective.token_hash == services.hash_token(secret))
    )
    if perspective is None:
        abort(404)
    diagnostic = session.get(Diagnostic, perspective.diagnostic_id)
    if diagnostic is None:
        abort(404)
    return perspective, diagnostic


@bp.route("/regard/<secret>", methods=["GET", "POST"])
def answer(secret: str) -> ResponseReturnValue:
    """Show the privacy notice and the perception questions; store the answers."""
    perspective, diagnostic = _by_secret(secret)
    questionnaire = services.questionnaire_of(diagnostic)
    lang = current_lang()
    questions = divergence.perception_questions(questionnaire)
    cls = form_class(questionnaire, lang)
    data = _form_data(questionnaire, perspective)
    form = cls() if request.method == "POST" else cls(formdata=None, data=data)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.validate():
        raw = {q.id: form[q.id].data for q in questions}
        try:
            clean = validate(
                questionnaire,
                raw,
                lang,
                only=[q.id for q in questions],
                partial=True,
                constraints=False,
                context=diagnostic.answers,
            )
        except AnswerErrors as exc:
            errors = exc.errors
        else:
            perspective.answers = dict(clean)
            perspective.answered_at = utcnow()
            get_session().commit()
            flash(
                _(
                    "Merci\u00a0: vos réponses sont enregistrées. Vous pouvez revenir les "
                    "modifier avec le même lien."
                ),
                "success",
            )
            return redirect(url_for("perspectives.answer", secret=secret))
    for key, messages in errors.items():
        if key in form:
            form[key].errors = list(messages)
    return render_template(
        "perspectives/answer.html",
        form=form,
        fields=[(q, form[q.id]) for q in questions],
        role=divergence.ROLES.get(perspective.role, perspective.role),
        lang=lang,
        selected_codes=selected_codes,
        errors=[(form[k].id, " ".join(v)) for k, v in errors.items() if k in form],
    )


def _form_data(questionnaire: Questionnaire, perspective: Perspective) -> dict[str, Any]:
    """Return the stored answers as form data (the same link shows them again)."""
    return {
        q.id: q.kind.form_value(perspective.answers.get(q.id))
        for q in divergence.perception_questions(questionnaire)
    }
