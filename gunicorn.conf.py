"""Gunicorn settings, read by ``gunicorn wsgi:app`` from the working directory.

BIND (default 127.0.0.1:5000) and WEB_CONCURRENCY (default 2 workers, the measured sweet spot
on 2 cores) come from the environment.
"""

import os

import gunicorn.http.wsgi  # type: ignore[import-untyped]

proc_name = "aict-diagnostic"
bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))

# No access log: request lines carry respondents' private links, and no IP address is kept.
accesslog = None

# Say nothing about the server software in the Server header (gunicorn sets that header itself,
# from this module-level name, for every response).
gunicorn.http.wsgi.SERVER = "aict"
control_socket_disable = True


def on_starting(server: object) -> None:
    """Check the configuration in the master: a bad variable stops the start with one line."""
    from app.startup import check_environment

    check_environment()
