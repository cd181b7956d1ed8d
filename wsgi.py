"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``.

A missing or invalid configuration variable stops the start with one line per problem and exit
status 4, not a traceback (gunicorn checks it in its master first, see gunicorn.conf.py).
"""

from app import create_app
from app.startup import exit_on_config_error
from config import ConfigError, config_from_env

try:
    config = config_from_env()
except RuntimeError as error:  # ConfigError, or a refusal of the production configuration
    exit_on_config_error(error)
try:
    app = create_app(config)
except ConfigError as error:
    exit_on_config_error(error)
