"""AICT économique self-diagnostic: the application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from config import Config, check

APP_DIR = Path(__file__).resolve().parent


def create_app(config: type[Config] | Config = Config, **overrides: Any) -> Flask:
    """Return a configured application: database, i18n, security, blueprints and CLI."""
    app = Flask(__name__, instance_path=str(APP_DIR.parent / "instance"))
    app.config.from_object(config)
    app.config.update(overrides)
    # A missing or invalid variable raises config.ConfigError, one line per problem (wsgi.py).
    check(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if hops := app.config.get("PROXY_HOPS", 0):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )

    from app import db, doctor, i18n, questionnaire, security

    db.init_app(app)
    questionnaire.init_app(app)
    i18n.init_app(app)
    security.init_app(app)

    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.main import bp as main_bp
    from app.perspectives.views import bp as perspectives_bp
    from app.plan.views import bp as plan_bp
    from app.results import bp as results_bp
    from app.survey import bp as survey_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(plan_bp)
    app.register_blueprint(perspectives_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(doctor.bp)

    from app.admin import auth as admin_auth

    admin_auth.init_app(app)

    from app import cli

    cli.init_app(app)
    return app
