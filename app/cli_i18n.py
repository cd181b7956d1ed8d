"""Languages of the command line: French by default, English with ``LANG=en…`` or ``--lang en``.

Click writes its own messages (« Invalid value for '--count' », « Aborted! », usage errors…)
through the standard library's ``gettext.gettext``, which looks them up in the process's text
domain in the language named by ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` or ``LANG``.
``activate`` makes the project's domain, ``aict_cli`` under ``app/cli_locale``, the process's
domain and sets ``LANGUAGE`` to the chosen language, so that one catalogue serves both sides:

- ``fr``: click's English messages translated into French;
- ``en``: the project's French command-line messages (marked with ``tr``) translated into English.

The web pages do not use this domain: Flask-Babel keeps its own catalogues per request.
"""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click
from babel.numbers import format_decimal

APP_DIR = Path(__file__).resolve().parent
LOCALE_DIR = APP_DIR / "cli_locale"
DOMAIN = "aict_cli"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
# The variables gettext reads, in its order of precedence.
LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
# The LANGUAGE value activate wrote: the user's choice is read from the other variables then,
# so that a command run after another in the same process (tests) detects the language afresh.
_written: dict[str, str] = {}
gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
# gettext's own language detection (used by click) maps ``C.UTF-8`` to ``en_US``: the choice made
# here is written to ``LANGUAGE`` by activate, and tr asks for that language explicitly.


def env_language(environ: Mapping[str, str] | None = None) -> str:
    """Return ``en`` when the first locale variable set names English, else ``fr``."""
    environ = os.environ if environ is None else environ
    for name in LANGUAGE_VARIABLES:
        value = environ.get(name, "").strip()
        if name == "LANGUAGE" and value and value == _written.get(name):
            continue
        if value:
            return "en" if value.lower().startswith("en") else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def activate(lang: str | None = None) -> str:
    """Speak lang (default: from the environment) on the command line; return it."""
    chosen = lang if lang in LANGUAGES else env_language()
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = _written["LANGUAGE"] = chosen
    _translate_help(chosen)
    return chosen


def current() -> str:
    """Return the command line's language (``fr`` or ``en``)."""
    written = _written.get("LANGUAGE")
    if written and os.environ.get("LANGUAGE") == written:
        return written
    return env_language()


_BEFORE_PUNCTUATION = re.compile(r" ([:;?!»])")
_AFTER_GUILLEMET = re.compile(r"« ")


def french_spacing(text: str) -> str:
    """Return text with a no-break space before ; : ? ! » and after «, as French writes."""
    return _AFTER_GUILLEMET.sub("«\u00a0", _BEFORE_PUNCTUATION.sub("\u00a0\\1", text))


def tr(message: str, **params: Any) -> str:
    """Return the French message in the command line's language, placeholders filled."""
    lang = current()
    catalogue = gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[lang], fallback=True)
    text = catalogue.gettext(message)
    if params:
        text = text.format(**params)
    return french_spacing(text) if lang == DEFAULT_LANGUAGE else text


def decimal(value: float, digits: int = 1) -> str:
    """Return value with digits decimals as the command line's language writes it (1,6 / 1.6)."""
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=current())


# Help texts of the project's commands and options, in English (their docstrings and help=):
# (object, attribute) -> original text, so that activate can put them in the chosen language.
_help_texts: dict[tuple[int, str], tuple[click.Command | click.Parameter, str, str]] = {}


def _remember_help(command: click.Command) -> None:
    """Record the English help texts of command and of its options."""
    owners: list[click.Command | click.Parameter] = [command]
    owners += [param for param in command.params if param.name != "lang"]
    for owner in owners:
        for attribute in ("help", "short_help"):
            key = (id(owner), attribute)
            text = getattr(owner, attribute, None)
            if key not in _help_texts and isinstance(text, str) and text:
                _help_texts[key] = (owner, attribute, text)


def remember_help(command: click.Command) -> None:
    """Record the help texts of command and of every command below it (no --lang added)."""
    for each in _walk(command):
        _remember_help(each)


def help_texts() -> list[str]:
    """Return the English help texts recorded so far (for the French catalogue)."""
    return sorted({text for _owner, _attribute, text in _help_texts.values()})


def write_french_template(path: Path, commands: click.Command) -> None:
    """Write the French catalogue's template: click's own messages and the commands' help."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import write_po

    template = Catalog(domain=DOMAIN, project="aict-diagnostic")
    keywords = {"_": None, "ngettext": (1, 2)}
    for filename, line, message, _comments, _context in extract_from_dir(
        os.path.dirname(click.__file__), keywords=keywords
    ):
        template.add(message, locations=[(f"click/{filename}", line)])
    from flask.cli import FlaskGroup

    add_lang_option(commands)
    remember_help(FlaskGroup())
    for text in help_texts():
        template.add(text, locations=[("help", 0)])
    with path.open("wb") as handle:
        write_po(handle, template, width=0)


def _translate_help(lang: str) -> None:
    """Put every recorded help text in lang (French from the catalogue, else the original)."""
    catalogue = gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[lang], fallback=True)
    for owner, attribute, text in _help_texts.values():
        translated = catalogue.gettext(text) if lang == DEFAULT_LANGUAGE else text
        setattr(owner, attribute, french_spacing(translated) if lang == DEFAULT_LANGUAGE else text)
        # click builds a command's --help option once, in the language of that moment.
        if isinstance(owner, click.Command) and hasattr(owner, "_help_option"):
            setattr(owner, "_help_option", None)  # noqa: B010


def _lang_callback(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """Switch the language before the command's other parameters are read."""
    activate(value)


def lang_option() -> click.Option:
    """Return the ``--lang fr|en`` option, read before any other parameter of its command."""
    return click.Option(
        ["--lang"],
        type=click.Choice(LANGUAGES),
        default=None,
        expose_value=False,
        is_eager=True,
        callback=_lang_callback,
        help="Langue des messages / language of the messages (fr, en; LANG).",
    )


class HelpFormatter(click.HelpFormatter):
    """Click's help formatter, writing « Options : » the French way when French is spoken."""

    def write_heading(self, heading: str) -> None:
        """Write a section heading followed by a colon (a no-break space before it in French)."""
        colon = "\u00a0:" if current() == DEFAULT_LANGUAGE else ":"
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")


class Context(click.Context):
    """Click's context with the project's help formatter."""

    formatter_class = HelpFormatter


def _walk(command: click.Command) -> Iterator[click.Command]:
    """Yield command and, for a group, every command below it."""
    yield command
    if isinstance(command, click.Group):
        for child in command.commands.values():
            yield from _walk(child)


def add_lang_option(command: click.Command) -> None:
    """Give command and every command below it a ``--lang`` option (once)."""
    for each in _walk(command):
        if not any(param.name == "lang" for param in each.params):
            each.params.insert(0, lang_option())
        each.context_class = Context
        _remember_help(each)
