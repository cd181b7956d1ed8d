"""The throughput floor: a bare Flask application rendering a 5 KB Jinja template.

Served by the same gunicorn settings as the application (``gunicorn -w 2 bench.bare_app:app``),
it tells what this machine can do at best, so that a page of ours is judged as a share of it.
The template is compiled once, like the application's, and renders a form of radio buttons of
about the size of a step.
"""

from __future__ import annotations

from flask import Flask, render_template
from jinja2 import DictLoader

TEMPLATE = """<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }}</title>
  <link rel="stylesheet" href="/static/app.css">
</head>
<body>
  <header><p class="brand">{{ title }}</p></header>
  <main id="content">
    <h1>{{ heading }}</h1>
    <p class="lead">{{ lead }}</p>
    <form method="post" action="/step">
      <input type="hidden" name="csrf_token" value="{{ token }}">
      {%- for question in questions %}
      <fieldset class="question" id="q-{{ question.id }}">
        <legend>{{ question.label }}</legend>
        <p class="help">{{ question.help }}</p>
        {%- for code, label in question.options %}
        <div class="choice">
          <input type="radio" id="{{ question.id }}-{{ loop.index0 }}"
                 name="{{ question.id }}" value="{{ code }}">
          <label for="{{ question.id }}-{{ loop.index0 }}">{{ label }}</label>
        </div>
        {%- endfor %}
      </fieldset>
      {%- endfor %}
      <button type="submit" name="nav" value="next">Étape suivante</button>
    </form>
  </main>
  <footer><p>{{ footer }}</p></footer>
</body>
</html>
"""

OPTIONS = [
    ("strong_decrease", "Forte baisse"),
    ("decrease", "Baisse"),
    ("stable", "Stable"),
    ("increase", "Hausse"),
]
QUESTIONS = [
    {
        "id": f"question_{i}",
        "label": f"Question {i} : comment votre collectivité organise-t-elle son action ?",
        "help": "Choisissez la réponse la plus proche de la situation actuelle de la collectivité.",
        "options": OPTIONS,
    }
    for i in range(1, 5)
]

app = Flask(__name__)
app.jinja_loader = DictLoader({"page.html": TEMPLATE})


@app.get("/")
def page() -> str:
    """Render the 5 KB page."""
    return render_template(
        "page.html",
        title="Autodiagnostic AICT économique",
        heading="Budget et attentes des élus",
        lead="Quelques questions sur les moyens consacrés à l'action internationale.",
        token="x" * 88,
        questions=QUESTIONS,
        footer="Outil proposé par ARRICOD.",
    )
