"""What the application does when it cannot start properly.

- A missing or invalid configuration variable (``config.ConfigError``) stops the process with one
  line per problem on standard error (the service's log), in the command line's language, and
  exit status 4, which gunicorn reports as « App failed to load » before stopping.
- A problem found once started, such as invalid questionnaire files, keeps the process up but
  answers every page with the 503 page, in French or English, saying the service is under
  maintenance (``refuse_requests``); ``/healthz`` and static files stay reachable.
"""

from __future__ import annotations

import sys
from typing import NoReturn, TextIO

from flask import Flask, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext

from app.cli_i18n import tr
from config import ConfigError, check, config_from_env

# gunicorn's « App failed to load »: the arbiter stops instead of restarting workers forever.
CONFIG_EXIT_STATUS = 4
RETRY_AFTER = "300"
# Endpoints still served while the service refuses requests.
STILL_SERVED = frozenset({"static", "health.healthz"})

REASONS = {
    "questionnaire": lazy_gettext(
        "Le service est en maintenance\u00a0: ses fichiers de questionnaire doivent être "
        "corrigés par l'exploitant. Vos réponses déjà enregistrées sont conservées\u00a0; "
        "réessayez plus tard."
    ),
}


def config_error_lines(error: RuntimeError) -> list[str]:
    """Return one line per problem of error, in the command line's language.

    A ConfigError lists its problems; any other refusal of the configuration classes (a
    RuntimeError raised while reading the environment) gives the first line of its message.
    """
    prefix = tr("Configuration invalide : ")
    if isinstance(error, ConfigError):
        return [prefix + problem.render(tr) for problem in error.problems]
    message = str(error).strip().splitlines()
    return [prefix + (message[0] if message else type(error).__name__)]


def exit_on_config_error(error: RuntimeError, stream: TextIO | None = None) -> NoReturn:
    """Write one line per configuration problem and stop the process with status 4."""
    out = stream or sys.stderr
    for line in config_error_lines(error):
        out.write(f"aict: {line}\n")
    out.flush()
    raise SystemExit(CONFIG_EXIT_STATUS)


def check_environment() -> None:
    """Check the environment's configuration without building the application; exit on error.

    gunicorn's master calls it before starting workers (``gunicorn.conf.py``), so that a bad
    variable stops the server once with its line instead of in every worker it would start.
    """
    try:
        config = config_from_env()
        check({name: getattr(config, name) for name in dir(config) if name.isupper()})
    except RuntimeError as error:  # ConfigError, or a refusal of the production configuration
        exit_on_config_error(error)


def refuse_requests(app: Flask, reason: str) -> None:
    """Answer every request of app with the 503 maintenance page, for reason (a REASONS key)."""
    app.config["SERVICE_UNAVAILABLE"] = reason

    def _refuse() -> ResponseReturnValue | None:
        if request.endpoint in STILL_SERVED:
            return None
        return unavailable_page()

    app.before_request(_refuse)


def unavailable_page() -> ResponseReturnValue:
    """Return the 503 page explaining why the service is unavailable (JSON under /api/)."""
    from app.main.views import error_response

    reason = current_app.config.get("SERVICE_UNAVAILABLE", "")
    message = str(REASONS[reason]) if reason in REASONS else None
    return error_response(503, message, headers=[("Retry-After", RETRY_AFTER)])
