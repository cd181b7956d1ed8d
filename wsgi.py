"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``.

A missing or invalid configuration variable stops the start with one line per problem and exit
status 4 (gunicorn then stops with « App failed to load »), not a traceback.
"""

from app import create_app
from app.startup import exit_on_config_error
from config import ConfigError, config_from_env

try:
    app = create_app(config_from_env())
except ConfigError as error:
    exit_on_config_error(error)
