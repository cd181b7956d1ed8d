"""Views of the survey blueprint."""

from flask import Blueprint

bp = Blueprint("survey", __name__, url_prefix="/diagnostic")
