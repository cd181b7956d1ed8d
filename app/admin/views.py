"""The admin blueprint and its login and logout (the dashboard is in ``dashboard.py``, the row
export and its dictionary in ``export.py``).

Every page but the login redirects to the login without an administrator's session.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response as BaseResponse

from app.admin import auth
from app.admin.forms import LoginForm
from app.db import get_session

bp = Blueprint("admin", __name__, url_prefix="/admin")

PUBLIC_ENDPOINTS = frozenset({"admin.login"})


def _k() -> int:
    """Return k, the smallest number of diagnostics any shown figure may rest on."""
    return int(current_app.config.get("MIN_CELL_SIZE", 5))


def _safe_next(target: str | None) -> str | None:
    """Return target if it is a path of this site's admin pages, else None (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(bp.url_prefix or "/admin"):
        return None
    return target


@bp.before_request
def require_admin() -> BaseResponse | None:
    """Redirect to the login page without an administrator's session."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
@auth.limiter.limit(
    auth.login_limit, methods=["POST"], deduct_when=auth.counts_as_failure, scope="admin-login"
)
@auth.limiter.limit(
    auth.account_limit,
    key_func=auth.account_key,
    methods=["POST"],
    deduct_when=auth.counts_as_failure,
    scope="admin-login-account",
)
def login() -> BaseResponse | str:
    """Show the login form; log an administrator in (failures counted per client, account)."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = auth.authenticate(get_session(), form.email.data or "", form.password.data or "")
        if user is not None:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("admin.dashboard"))
        failed = True
    return render_template("admin/login.html", form=form, failed=failed)


@bp.post("/logout")
def logout() -> BaseResponse:
    """End the administrator's session here and every copy of it elsewhere."""
    auth.end_sessions(get_session(), int(current_user.id))
    logout_user()
    return redirect(url_for("admin.login"))
