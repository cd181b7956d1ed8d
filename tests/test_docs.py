"""The README documents every configuration variable and every command, and the licence the
package declares is the one shipped."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click
from flask import Flask

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DEPLOYMENT = (ROOT / "docs/DEPLOYMENT.md").read_text(encoding="utf-8")
# Environment variables read by the application and its server settings.
SOURCES = [ROOT / "config.py", ROOT / "gunicorn.conf.py", *sorted((ROOT / "app").rglob("*.py"))]
READ = re.compile(r"""(?:environ(?:\.get)?\(|environ\[|_env_\w+\()\s*["']([A-Z][A-Z0-9_]+)["']""")
# Read by the command line's language detection, documented as LANG=en….
LOCALE_VARIABLES = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}
# Keys of a WSGI request environ (gunicorn's access logger reads them), not settings.
WSGI_KEYS = {"PATH_INFO"}


def variables_read() -> set[str]:
    """Return the names of the environment variables the sources read."""
    found: set[str] = set()
    for source in SOURCES:
        found |= set(READ.findall(source.read_text(encoding="utf-8")))
    return found - LOCALE_VARIABLES - WSGI_KEYS


def test_the_scan_finds_the_variables() -> None:
    assert {"DATABASE_URL", "SECRET_KEY", "MIN_CELL_SIZE", "PROXY_HOPS", "BIND"} <= (
        variables_read()
    )


def test_every_variable_is_in_the_readme_table() -> None:
    rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", README, flags=re.MULTILINE))
    assert sorted(variables_read() - rows) == []


def test_every_production_variable_is_in_the_deployment_guide() -> None:
    missing = [name for name in variables_read() if f"`{name}`" not in DEPLOYMENT]
    assert sorted(set(missing) - {"ADMIN_PASSWORD"}) == []


def test_every_command_is_in_the_readme(app: Flask) -> None:
    def walk(command: click.Command, path: str) -> list[str]:
        if isinstance(command, click.Group):
            return [p for name, c in command.commands.items() for p in walk(c, f"{path} {name}")]
        return [path.strip()]

    commands = walk(app.cli, "")
    assert "doctor" in commands
    assert [c for c in commands if f"flask --app wsgi {c}" not in README] == []


def test_declared_licence_is_the_shipped_one() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert project["license-files"] == ["LICENSE"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    assert "Version 3, 19 November 2007" in licence
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in licence
