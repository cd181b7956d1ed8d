"""The command line speaks French by default and English with LANG=en… or --lang en, click's own
messages (invalid values, prompts, aborts, usage errors) included, with French number writing."""

from __future__ import annotations

import gettext
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskCliRunner

from app import cli_i18n
from app.admin import cli as admin_cli

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "app/cli_locale"
NBSP = "\u00a0"
# The project's commands registered by app.cli.init_app, which gives each one --lang; a command
# added later gets its French help through `make cli-click`.
PROJECT_COMMANDS = ("db", "questions", "admin", "demo-data", "purge", "doctor")


@pytest.fixture(autouse=True)
def language_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Start each test from a French-neutral environment (C locale) and restore it after."""
    for name in cli_i18n.LANGUAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield
    gettext.textdomain("messages")


def invoke(runner: FlaskCliRunner, args: list[str], **kwargs: object) -> click.testing.Result:
    """Invoke the application's command line (output and error stream together)."""
    return runner.invoke(args=args, **kwargs)  # type: ignore[arg-type]


def test_invalid_value_is_reported_in_french(runner: FlaskCliRunner) -> None:
    result = invoke(runner, ["demo-data", "--count", "0"])
    assert result.exit_code == 2
    assert f"Erreur{NBSP}: Valeur invalide pour '--count'{NBSP}: 0 n'est pas dans l'intervalle" in (
        result.output
    )
    assert f"Usage{NBSP}: " in result.output
    assert "Invalid value" not in result.output


def test_invalid_value_in_english_with_lang_variable(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    result = invoke(runner, ["demo-data", "--count", "abc"])
    assert result.exit_code == 2
    assert "Error: Invalid value for '--count': 'abc' is not a valid integer" in result.output


def test_lang_option_overrides_the_environment(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    english = invoke(runner, ["demo-data", "--lang", "en"])
    assert "Error: Missing option '--count'." in english.output
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    french = invoke(runner, ["demo-data", "--lang", "fr"])
    assert f"Erreur{NBSP}: Option manquante '--count'." in french.output


def test_language_is_detected_afresh_for_each_command(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke(runner, ["demo-data", "--lang", "en", "--count", "x"])
    # The English chosen by --lang for the previous command does not stick to the next one.
    result = invoke(runner, ["demo-data", "--count", "x"])
    assert "Valeur invalide pour '--count'" in result.output


def test_missing_argument_and_unknown_command(runner: FlaskCliRunner) -> None:
    missing = invoke(runner, ["admin", "create"])
    assert missing.exit_code == 2
    assert f"Erreur{NBSP}: Argument manquant 'EMAIL'." in missing.output
    unknown = invoke(runner, ["--lang", "fr", "frobnicate"])
    assert f"Erreur{NBSP}: Commande inconnue{NBSP}: 'frobnicate'." in unknown.output


def test_password_prompts_and_mismatch_in_french(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    result = invoke(
        runner,
        ["admin", "create", "a@arricod.example"],
        input="premier-mot-de-passe\nsecond-mot-de-passe\nabcdefghijkl13\nabcdefghijkl13\n",
    )
    assert result.exit_code == 0, result.output
    assert f"Mot de passe{NBSP}: " in result.output
    assert f"Confirmez le mot de passe{NBSP}: " in result.output
    assert f"Erreur{NBSP}: les deux valeurs saisies ne correspondent pas." in result.output
    assert f"Administrateur créé{NBSP}: a@arricod.example" in result.output


def test_password_prompts_and_mismatch_in_english(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    result = invoke(
        runner,
        ["admin", "create", "--lang", "en", "b@arricod.example"],
        input="first-password-1\nsecond-password-2\nabcdefghijkl13\nabcdefghijkl13\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password: " in result.output
    assert "Confirm the password: " in result.output
    assert "Error: The two entered values do not match." in result.output
    assert "Administrator created: b@arricod.example" in result.output


def test_aborted_prompt_says_so_in_french(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    result = invoke(runner, ["admin", "create", "c@arricod.example"], input="")
    assert result.exit_code == 1
    assert "Interrompu." in result.output
    assert "Aborted!" not in result.output


def test_demo_data_writes_seconds_the_french_way(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = admin_cli.demo.DemoReport(
        count=3, profiles=2, scoring_seconds=0.42, insert_seconds=1.21
    )
    monkeypatch.setattr(admin_cli.demo, "generate", lambda *_args: report)
    french = invoke(runner, ["demo-data", "--count", "3"])
    assert "en 1,6 s (calcul 0,4 s, insertion 1,2 s)." in french.output, french.output
    english = invoke(runner, ["demo-data", "--count", "3", "--lang", "en"])
    assert "in 1.6 s (scoring 0.4 s, insertion 1.2 s)." in english.output, english.output


def test_decimal_groups_thousands_per_language() -> None:
    cli_i18n.activate("fr")
    assert cli_i18n.decimal(12345.67) == "12\u202f345,7"
    cli_i18n.activate("en")
    assert cli_i18n.decimal(12345.67) == "12,345.7"


def test_questions_check_summary_follows_the_language(runner: FlaskCliRunner) -> None:
    french = invoke(runner, ["questions", "check"])
    assert re.search(
        rf"v1{NBSP}: version \S+, \d+ questions, \d+ règles.*{NBSP}: OK", french.output
    )
    english = invoke(runner, ["questions", "check", "--lang", "en"])
    assert re.search(r"v1: version \S+, \d+ questions, \d+ rules.*: OK", english.output)


def test_every_command_takes_the_lang_option(app: Flask) -> None:
    def walk(command: click.Command) -> Iterator[click.Command]:
        yield command
        if isinstance(command, click.Group):
            for child in command.commands.values():
                yield from walk(child)

    commands = [c for name in PROJECT_COMMANDS for c in walk(app.cli.commands[name])]
    assert len(commands) > 8
    for command in commands:
        assert any(p.name == "lang" for p in command.params), command.name


def test_real_flask_process_speaks_french_then_english(tmp_path: Path) -> None:
    """The `flask` program itself, as an operator runs it: group errors translated too."""
    flask = Path(sys.executable).parent / "flask"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'l.sqlite3'}", "LANG": "C.UTF-8"}
    env.pop("LANGUAGE", None)
    french = subprocess.run(
        [str(flask), "--app", "wsgi", "frobnicate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert french.returncode == 2
    assert f"Erreur{NBSP}: Commande inconnue{NBSP}: 'frobnicate'." in french.stderr
    env["LANG"] = "en_US.UTF-8"
    english = subprocess.run(
        [str(flask), "--app", "wsgi", "demo-data", "--count", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert english.returncode == 2
    assert "Error: Invalid value for '--count': 0 is not in the range x>=1." in english.stderr


# ---- The catalogues ----


def _catalogue(lang: str) -> dict[object, object]:
    """Return the command line's catalogue for lang, msgid -> msgstr."""
    with (LOCALE / lang / "LC_MESSAGES" / "aict_cli.po").open("rb") as handle:
        return {
            tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id: m.string
            for m in read_po(handle)
            if m.id
        }


def test_every_click_message_has_a_french_translation() -> None:
    """Upgrading click with new messages fails here until `make cli-click` and a translation."""
    french = _catalogue("fr")
    messages = extract_from_dir(
        os.path.dirname(click.__file__), keywords={"_": None, "ngettext": (1, 2)}
    )
    untranslated = []
    for _file, _line, message, _comments, _context in messages:
        key = tuple(message) if isinstance(message, (list, tuple)) else message
        if not key:
            continue
        translated = french.get(key)
        if not translated or (isinstance(translated, tuple) and not all(translated)):
            untranslated.append(key)
    assert untranslated == []


def test_every_command_line_message_has_an_english_translation() -> None:
    english = _catalogue("en")
    sources = extract_from_dir(
        str(ROOT),
        method_map=[("config.py", "python"), ("app/**.py", "python")],
        keywords={"tr": None, "_msg": None},
    )
    missing = sorted({m for _f, _l, m, _c, _x in sources if not english.get(m)})
    assert missing == []


def test_french_catalogue_uses_french_spacing() -> None:
    for msgid, msgstr in _catalogue("fr").items():
        for text in msgstr if isinstance(msgstr, tuple) else (msgstr,):
            assert not re.search(r" [:;?!»]|« ", str(text)), (msgid, text)


def test_help_follows_the_language(runner: FlaskCliRunner) -> None:
    french = invoke(runner, ["purge", "--help"])
    assert "Supprimer les diagnostics non terminés" in french.output
    assert f"\nOptions{NBSP}:\n" in french.output
    assert "Afficher ce message et quitter." in french.output
    english = invoke(runner, ["purge", "--lang", "en", "--help"])
    assert "Delete the unfinished diagnostics" in english.output
    assert "Show this message and exit." in english.output
    assert "\nOptions:\n" in english.output


def test_every_help_text_of_the_project_commands_is_in_french(app: Flask) -> None:
    french = _catalogue("fr")
    texts: set[str] = set()
    for name in PROJECT_COMMANDS:
        stack = [app.cli.commands[name]]
        while stack:
            command = stack.pop()
            texts |= {t for t in (command.help, command.short_help) if t}
            texts |= {p.help for p in command.params if isinstance(p, click.Option) and p.help}
            if isinstance(command, click.Group):
                stack += command.commands.values()
    texts.discard(cli_i18n.lang_option().help or "")
    english = [t for t in texts if t not in french.values()]  # not already shown in French
    assert [t for t in english if not french.get(t)] == []
