"""Gunicorn settings, read by ``gunicorn wsgi:app`` from the working directory.

BIND (default 127.0.0.1:5000) and WEB_CONCURRENCY (default 2 workers, the measured sweet spot
on 2 cores) come from the environment. ACCESS_LOG is where access lines go ("-", the default:
standard output; a file path; empty: no access log).
"""

import os

import gunicorn.http.wsgi  # type: ignore[import-untyped]
from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from app.security import redact_path

proc_name = "aict-diagnostic"
bind = os.environ.get("BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))


class AccessLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger whose access lines never hold a private link nor a client's details.

    The path is redacted (``/diagnostic/<token>/etape/profile``), the query string, the
    Referer (which may hold a private link too), the client's address, the user agent and
    every header are left out, whatever access_log_format asks for.
    """

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        """Return gunicorn's log atoms with the private parts replaced by "-" or redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO") or "/")
        atoms.update({"r": f"{atoms['m']} {path} {atoms['H']}", "U": path})
        atoms.update(dict.fromkeys(("q", "f", "a", "h", "u"), "-"))
        return {key: value for key, value in atoms.items() if not key.startswith("{")}


# One line per request: time, method, redacted path, protocol, status, bytes, milliseconds.
logger_class = AccessLogger
accesslog = os.environ.get("ACCESS_LOG", "-") or None
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'

# Say nothing about the server software in the Server header (gunicorn sets that header itself,
# from this module-level name, for every response).
gunicorn.http.wsgi.SERVER = "aict"
control_socket_disable = True


def on_starting(server: object) -> None:
    """Check the configuration in the master: a bad variable stops the start with one line."""
    from app.startup import check_environment

    check_environment()
