"""Load and validate a version's ``portfolio.yaml``, every problem in French at its line.

The file is optional: a version without it has no portfolio. ``check_portfolio`` is called by
``app.core.loader.check_folder`` once the questionnaire is read, so ``flask questions check``
lists the portfolio's problems with the others. See ``app.core.portfolio`` for what it declares.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.core import partners
from app.core.conditions import ConditionParser, Scope
from app.core.loader import Problems, _Node, _read_yaml, _req_text
from app.core.model import Condition, Questionnaire, Text
from app.core.portfolio import (
    BLOCK_LEAVES,
    INTENSITY,
    ONLY,
    PLACEHOLDERS,
    Action,
    Fit,
    Level,
    Portfolio,
    maximum_of,
    placeholders_of,
)

FILE_NAME = "portfolio.yaml"
KEYS = ("repeat", "country_field", "intensity", "levels", "fits")
COUNTRY_TYPES = ("country", "country_multi")
# Income groups a level may gather (the World Bank's four; « unknown » stays unplaced).
GROUPS = tuple(g for g in partners.INCOME_GROUPS if g != "unknown")
MAX_ACTIONS = 2
SECTION_MARK = re.compile(r"§\s*\d")


def _q(name: object) -> str:
    """Return a name in French quotes."""
    return f"«\u00a0{name}\u00a0»"


def _cited(p: Problems, node: Any, key: str, who: str) -> Text:
    """Return a required bilingual source, recording one that cites no § of the report."""
    text = _req_text(p, node, key)
    value = node.get(key) if isinstance(node, dict) else None
    for lang in ("fr", "en"):
        if text.get(lang) and not SECTION_MARK.search(text.get(lang)):
            where = value.get(lang) if isinstance(value, dict) else node
            p.add(
                where if getattr(where, "line", 0) else node,
                f"{who}\u00a0: la source ({lang}) doit citer le § du compte rendu "
                "(par exemple «\u00a0§\u00a03\u00a0»)",
            )
    return text


def _check_texts(p: Problems, node: Any, keys: tuple[str, ...], who: str) -> None:
    """Record {placeholders} of texts that the portfolio cannot fill."""
    for key in keys:
        value = node.get(key) if isinstance(node, dict) else None
        for lang in ("fr", "en"):
            text = value.get(lang) if isinstance(value, dict) else None
            if not isinstance(text, str):
                continue
            try:
                names = placeholders_of(text)
            except ValueError:
                p.add(text if getattr(text, "line", 0) else node, f"{who}\u00a0: accolade isolée")
                continue
            for name in names:
                if name not in PLACEHOLDERS:
                    p.add(
                        text if getattr(text, "line", 0) else node,
                        f"{who}\u00a0: champ inconnu {_q('{' + name + '}')} ({lang})\u00a0; "
                        f"sont permis {', '.join('{' + n + '}' for n in PLACEHOLDERS)}",
                    )


def _repeat_and_country(p: Problems, raw: _Node, q: Questionnaire) -> tuple[str, str]:
    """Return the repeat section and country field, recording unknown or unfit ones."""
    repeat = str(raw.get("repeat") or "")
    section = q.repeats.get(repeat)
    if section is None:
        p.add(
            raw.get("repeat") or raw,
            f"portefeuille\u00a0: {_q('repeat')} doit nommer un bloc répété du questionnaire "
            f"(parmi {', '.join(q.repeats) or 'aucun'}), pas {_q(repeat)}",
        )
        return repeat, ""
    field = str(raw.get("country_field") or "")
    question = next((qu for qu in section.questions if qu.id == field), None)
    if question is None:
        p.add(
            raw.get("country_field") or raw,
            f"portefeuille\u00a0: {_q('country_field')} doit nommer une question du bloc "
            f"{_q(repeat)}, pas {_q(field)}",
        )
        return repeat, ""
    single = question.type == "country" or question.max_choices == 1
    if question.type not in COUNTRY_TYPES or not single:
        p.add(
            raw.get("country_field"),
            f"portefeuille\u00a0: {_q(field)} doit être une question de pays à un seul choix "
            f"(type {_q('country')}, ou {_q('country_multi')} avec max_choices: 1)",
        )
        return repeat, ""
    return repeat, field


def _weights(p: Problems, node: Any, q: Questionnaire, repeat: str) -> dict[str, dict[str, float]]:
    """Return the intensity weights of block answers, recording every misdeclared one."""
    weights: dict[str, dict[str, float]] = {}
    if not isinstance(node, dict) or not node:
        p.add(
            node if isinstance(node, dict) else 0,
            "portefeuille\u00a0: «\u00a0intensity.weights\u00a0» manquant",
        )
        return weights
    section = q.repeats.get(repeat)
    fields = {qu.id: qu for qu in section.questions} if section else {}
    for qid, by_code in node.items():
        question = fields.get(qid)
        if question is None:
            p.add(
                qid if getattr(qid, "line", 0) else node,
                f"portefeuille\u00a0: poids sur {_q(qid)}, qui n'est pas une question du bloc "
                f"{_q(repeat)}",
            )
            continue
        if not question.options or not isinstance(by_code, dict):
            p.add(
                by_code if isinstance(by_code, dict) else node,
                f"portefeuille\u00a0: {_q(qid)} demande des poids par code d'option",
            )
            continue
        weights[qid] = {}
        for code, value in by_code.items():
            option = question.option(str(code))
            where = code if getattr(code, "line", 0) else by_code
            if option is None:
                p.add(where, f"portefeuille\u00a0: code inconnu {_q(code)} de {_q(qid)}")
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                p.add(
                    by_code,
                    f"portefeuille\u00a0: le poids de {_q(f'{qid}: {code}')} doit être un "
                    "nombre positif ou nul",
                )
            elif value and (option.exclusive or option.code == "none"):
                p.add(
                    by_code,
                    f"portefeuille\u00a0: la réponse {_q(code)} de {_q(qid)} ajoute de "
                    "l'intensité, or une absence n'est la preuve de rien",
                )
            else:
                weights[qid][str(code)] = float(value)
    return weights


def _levels(p: Problems, node: Any) -> tuple[Level, ...]:
    """Return the development levels, each income group in exactly one, 0, 1, 2… in order."""
    items = node.get("items") if isinstance(node, dict) else None
    if not isinstance(items, list) or not items:
        p.add(
            node if isinstance(node, dict) else 0,
            "portefeuille\u00a0: «\u00a0levels.items\u00a0» manquant",
        )
        return ()
    levels = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            p.add(node, "portefeuille\u00a0: un niveau doit être un dictionnaire")
            continue
        value = item.get("value")
        if value != index or isinstance(value, bool):
            p.add(
                item,
                f"portefeuille\u00a0: les niveaux valent 0, 1, 2… dans l'ordre\u00a0; "
                f"attendu {index}, trouvé {_q(value)}",
            )
        raw_groups = item.get("groups") or []
        groups = tuple(str(g) for g in raw_groups)
        for group in raw_groups:
            where = group if getattr(group, "line", 0) else item
            if group not in GROUPS:
                p.add(
                    where,
                    f"portefeuille\u00a0: groupe de revenu inconnu {_q(group)} "
                    f"(parmi {', '.join(GROUPS)})",
                )
            elif group in seen:
                p.add(
                    where,
                    f"portefeuille\u00a0: le groupe {_q(group)} est déjà au niveau {seen[group]}",
                )
            else:
                seen[str(group)] = index
        least = item.get("least_developed", False)
        if not isinstance(least, bool):
            p.add(item, "portefeuille\u00a0: «\u00a0least_developed\u00a0» vaut true ou false")
            least = False
        levels.append(
            Level(index, groups, least, _req_text(p, item, "label"), _req_text(p, item, "short"))
        )
    missing = [g for g in GROUPS if g not in seen]
    if missing:
        p.add(
            node,
            f"portefeuille\u00a0: aucun niveau pour les groupes de revenu {', '.join(missing)}",
        )
    if sum(lv.least_developed for lv in levels) > 1:
        p.add(node, "portefeuille\u00a0: un seul niveau peut recevoir les pays les moins avancés")
    return tuple(levels)


class _FitParser:
    """Parses a fit's condition: the block's level and intensity, or any condition of a block."""

    def __init__(self, p: Problems, scope: Scope, who: str, line: int, top_level: int) -> None:
        self.p = p
        self.who = who
        self.line = line
        self.top_level = top_level
        self.inner = ConditionParser(p, scope, who, line)

    def parse(self, node: Any) -> Condition:
        """Return the condition tree of node."""
        if not isinstance(node, dict) or not node:
            return self.inner.parse(node)
        line = int(getattr(node, "line", 0) or self.line)
        for key, target in BLOCK_LEAVES.items():
            if key in node:
                return self.block_leaf(key, target, node, line)
        for op in ("all", "any"):
            if op in node:
                children = tuple(self.parse(c) for c in node[op] or [])
                if not children:
                    self.inner.problem(node, f"«\u00a0{op}\u00a0» vide")
                return Condition(op=op, children=children, line=line)
        if "not" in node:
            return Condition(op="not", children=(self.parse(node["not"]),), line=line)
        if "answer" in node and "only" in node:
            return self.only_leaf(node, line)
        return self.inner.parse(node)

    def only_leaf(self, node: dict[str, Any], line: int) -> Condition:
        """Return « the block's answer holds these codes and no other » (multiple choice)."""
        codes = [str(c) for c in node["only"] or []]
        qid = str(node["answer"])
        question = self.inner.scope.questions.get(qid)
        chosen = self.inner.parse(_Node({"answer": node["answer"], "in": node["only"]}))
        if question is not None and not question.kind.multiple:
            self.inner.problem(
                node, f"«\u00a0only\u00a0» vaut pour une question à choix multiples, pas {_q(qid)}"
            )
        others = tuple(c for c in (question.codes if question else ()) if c not in codes)
        children = [chosen]
        if others:
            rest = Condition(op="answer", target=qid, codes=others, line=line)
            children.append(Condition(op="not", children=(rest,), line=line))
        return Condition(
            op="all", target=ONLY, codes=tuple(codes), children=tuple(children), line=line
        )

    def block_leaf(self, key: str, target: str, node: dict[str, Any], line: int) -> Condition:
        """Return a comparison of the block's level or intensity (gte / lte within bounds)."""
        bounds = node[key]
        high = 100.0 if target == INTENSITY else float(self.top_level)
        ok = isinstance(bounds, dict) and bounds and set(bounds) <= {"gte", "lte"}
        values = dict(bounds) if ok else {}
        for value in values.values():
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 <= value <= high
            ):
                ok = False
        if not ok:
            self.inner.problem(
                node,
                f"{_q(key)} demande {_q('gte')} et/ou {_q('lte')}, des nombres de 0 à {high:g}",
            )
            return Condition(op="any")
        gte, lte = values.get("gte"), values.get("lte")
        if gte is not None and lte is not None and gte > lte:
            self.inner.problem(node, f"{_q(key)} ne peut jamais être ≥ {gte} et ≤ {lte}")
        return Condition(
            op="fact",
            target=target,
            gte=float(gte) if gte is not None else None,
            lte=float(lte) if lte is not None else None,
            line=line,
        )


def _scope(q: Questionnaire, repeat: str) -> Scope:
    """Return what a fit's condition may name: the block's questions and the diagnostic's."""
    return Scope(
        questions=q.questions,
        fact_ids=frozenset(f.id for f in q.facts),
        dim_ids=frozenset(d.id for d in q.dimensions),
        positioning_ids=tuple(d.id for d in q.positionings),
        repeats=q.repeats,
        results=False,
        item_of=repeat,
    )


def _actions(p: Problems, node: _Node, fid: str) -> tuple[Action, ...]:
    """Return a fit's one or two actions, each with its texts and its cited §."""
    raw = node.get("actions")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ACTIONS:
        p.add(node, f"orientation {_q(fid)}\u00a0: il faut une ou deux actions")
    actions = []
    for anode in raw if isinstance(raw, list) else []:
        if not isinstance(anode, dict):
            p.add(node, f"orientation {_q(fid)}\u00a0: une action doit être un dictionnaire")
            continue
        who = f"orientation {_q(fid)}, action {_q(anode.get('id', ''))}"
        if not anode.get("id"):
            p.add(anode, f"orientation {_q(fid)}\u00a0: action sans «\u00a0id\u00a0»")
        _check_texts(p, anode, ("title", "text"), who)
        actions.append(
            Action(
                id=str(anode.get("id", "")),
                title=_req_text(p, anode, "title"),
                text=_req_text(p, anode, "text"),
                source=_cited(p, anode, "source", who),
            )
        )
    return tuple(actions)


def _fits(p: Problems, raw: Any, q: Questionnaire, repeat: str, top_level: int) -> tuple[Fit, ...]:
    """Return the ordered fits, validating ids, positionings, conditions, texts and actions."""
    if not isinstance(raw, list) or not raw:
        p.add(0, "portefeuille\u00a0: «\u00a0fits\u00a0» manquant (une liste d'orientations)")
        return ()
    fits: list[Fit] = []
    positionings = {d.id for d in q.positionings}
    for node in raw:
        if not isinstance(node, _Node):
            p.add(0, "portefeuille\u00a0: une orientation doit être un dictionnaire")
            continue
        fid = str(node.get("id", ""))
        who = f"orientation {_q(fid)}"
        if not fid or any(f.id == fid for f in fits):
            p.add(
                node.get("id") or node, f"identifiant d'orientation absent ou en double {_q(fid)}"
            )
        positioning = str(node.get("positioning", ""))
        if positioning not in positionings:
            p.add(
                node.get("positioning") or node,
                f"{who}\u00a0: positionnement inconnu {_q(positioning)} "
                f"(parmi {', '.join(sorted(positionings))})",
            )
        if node.get("when") is None:
            p.add(node, f"{who}\u00a0: «\u00a0when\u00a0» manquant")
        when = _FitParser(p, _scope(q, repeat), who, node.line, top_level).parse(node.get("when"))
        _check_texts(p, node, ("title", "text"), who)
        fits.append(
            Fit(
                id=fid,
                positioning=positioning,
                title=_req_text(p, node, "title"),
                text=_req_text(p, node, "text"),
                source=_cited(p, node, "source", who),
                when=when,
                actions=_actions(p, node, fid),
                line=node.line,
            )
        )
    return tuple(fits)


def check_portfolio(p: Problems, path: Path, q: Questionnaire) -> Portfolio | None:
    """Return the portfolio declared at path (None when the file is absent), problems recorded."""
    if not path.exists():
        return None
    raw = _read_yaml(path, p)
    for key in raw:
        if key not in KEYS:
            p.add(
                key if getattr(key, "line", 0) else raw,
                f"portefeuille\u00a0: clé inconnue {_q(key)}",
            )
    repeat, field = _repeat_and_country(p, raw, q)
    intensity = raw.get("intensity") if isinstance(raw.get("intensity"), dict) else _Node()
    if not intensity:
        p.add(raw, "portefeuille\u00a0: «\u00a0intensity\u00a0» manquant")
    weights = _weights(p, intensity.get("weights"), q, repeat) if intensity else {}
    maximum = maximum_of(weights, q.questions)
    if intensity and weights and maximum <= 0:
        p.add(
            intensity.get("weights"),
            "portefeuille\u00a0: aucun poids positif, l'intensité économique vaudrait toujours 0",
        )
    levels_node = raw.get("levels") if isinstance(raw.get("levels"), dict) else _Node()
    if not levels_node:
        p.add(raw, "portefeuille\u00a0: «\u00a0levels\u00a0» manquant")
    levels = _levels(p, levels_node) if levels_node else ()
    fits = (
        _fits(p, raw.get("fits"), q, repeat, max(len(levels) - 1, 0)) if repeat in q.repeats else ()
    )
    return Portfolio(
        repeat=repeat,
        country_field=field,
        weights=weights,
        maximum=maximum,
        intensity_source=_cited(p, intensity, "source", "intensité économique")
        if intensity
        else Text("", ""),
        levels=levels,
        level_source=_cited(p, levels_node, "source", "niveaux de développement")
        if levels_node
        else Text("", ""),
        level_axis=_req_text(p, levels_node, "axis") if levels_node else Text("", ""),
        intensity_axis=_req_text(p, intensity, "axis") if intensity else Text("", ""),
        fits=fits,
    )
