"""Views of the results blueprint."""

from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/resultat")
