"""Load and validate a questionnaire folder (YAML) into the model, every problem with its line.

A version is a folder ``questions/v<N>/`` holding ``questionnaire.yaml`` (dimensions, sections,
questions, options and weights, facts, constraints) and ``rules.yaml`` (recommendations and
warnings). Problems are worded in French and point at the line of the faulty value itself: the
YAML loader keeps the line of every mapping and every string.

Keys of a question: ``id``, ``type`` (a registered type: single, multi, scale, country,
country_multi…), ``label``, ``short``, ``help``, ``required``, ``options`` (``code``, ``label``,
``weights``, ``exclusive``) or ``options_from: regions``, ``partner_weights`` (country_multi),
``min_choices`` / ``max_choices``, ``relevant`` (skip logic), ``perception``, ``source`` (the §
of the report its weights rest on) and ``derive`` (its value computed from a repeat section's
blocks: ``{repeat, field, how: union | max | share, empty, codes, bands}``, see
``app.core.derive``).
"""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from app.core import partners
from app.core.conditions import ConditionParser, Env, Scope, holds
from app.core.model import (
    LANGS,
    PRIORITIES,
    AnswerValue,
    Band,
    Condition,
    Constraint,
    Derivation,
    Dimension,
    Fact,
    Fragment,
    Option,
    Question,
    Questionnaire,
    Repeat,
    Rule,
    Section,
    Text,
)
from app.core.scoring import PARTNER_FACTS, PARTNER_LISTS, derived_facts
from app.core.types import get_type, type_names

# A constraint is tried on every combination of the answers it reads up to this many, else on
# this many random ones.
ENUMERATION_LIMIT = 20_000
SAMPLES = 5_000
# Contradictory rules (opposite stances on one topic) are tried on this many random answer sets.
CONFLICT_SAMPLES = 400
STANCES = ("for", "against")
# Question types naming partner countries (abroad only under strict reasoning).
COUNTRY_TYPES = ("country", "country_multi")


class QuestionnaireError(Exception):
    """Raised when questionnaire files hold problems; ``problems`` lists them all."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- YAML with line numbers -------------------------------------------------------------------


class _Node(dict[str, Any]):
    """A YAML mapping that remembers the line it started on."""

    line: int = 0


class _Str(str):
    """A YAML string that remembers its line."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader whose mappings and strings carry their line number."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Node:
    """Build a _Node from a mapping node, recording its line (1-based)."""
    items = loader.construct_mapping(node, deep=True).items()
    mapping = _Node({k if isinstance(k, str) else str(k): v for k, v in items})
    mapping.line = node.start_mark.line + 1
    return mapping


def _construct_str(loader: _LineLoader, node: yaml.ScalarNode) -> _Str:
    """Build a _Str from a string node, recording its line (1-based)."""
    text = _Str(loader.construct_scalar(node))
    text.line = node.start_mark.line + 1
    return text


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)


@dataclass
class Problems:
    """The problems found so far, each once, as « file:line: message »."""

    file: Path
    found: list[str] = field(default_factory=list)

    def add(self, where: Any, message: str) -> None:
        """Record a problem at a line number, or at the line of a YAML node."""
        line = where if isinstance(where, int) else int(getattr(where, "line", 0) or 0)
        entry = f"{self.file}:{line}: {message}"
        if entry not in self.found:
            self.found.append(entry)


def _read_yaml(path: Path, problems: Problems) -> _Node:
    """Return the mapping at the top of a YAML file, recording a problem if it is not one."""
    problems.file = path
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        problems.add(
            int(getattr(getattr(exc, "problem_mark", None), "line", -1)) + 1,
            f"YAML invalide\u00a0: {exc}",
        )
        return _Node()
    except OSError as exc:
        problems.add(0, f"lecture impossible\u00a0: {exc}")
        return _Node()
    if not isinstance(data, _Node):
        problems.add(1, "le fichier doit contenir un dictionnaire")
        return _Node()
    return data


def _text(p: Problems, parent: Any, key: str, required: bool = True) -> Text | None:
    """Return the bilingual text under key, recording missing translations."""
    value = parent.get(key) if isinstance(parent, dict) else None
    if value is None:
        if required:
            p.add(parent, f"«\u00a0{key}\u00a0» manquant")
        return None
    if isinstance(value, str):
        p.add(
            value,
            f"«\u00a0{key}\u00a0» demande un texte «\u00a0fr\u00a0» et un texte «\u00a0en\u00a0»",
        )
        return Text(value, value)
    missing = [lang for lang in LANGS if not str(value.get(lang) or "").strip()]
    if missing:
        p.add(value, f"«\u00a0{key}\u00a0» n'a pas de traduction\u00a0: {', '.join(missing)}")
    return Text(str(value.get("fr") or ""), str(value.get("en") or ""))


def _req_text(p: Problems, parent: Any, key: str) -> Text:
    """Return a required bilingual text (empty when missing, the problem recorded)."""
    return _text(p, parent, key) or Text("", "")


# --- Dimensions, questions and sections -------------------------------------------------------


def _dimensions(p: Problems, raw: _Node) -> list[Dimension]:
    """Return the positionings and logics declared at the top of the file."""
    dims: list[Dimension] = []
    for kind, key in (("positioning", "positionings"), ("logic", "logics")):
        for node in raw.get(key) or []:
            dims.append(
                Dimension(
                    id=str(node.get("id")),
                    kind=kind,  # type: ignore[arg-type]
                    label=_req_text(p, node, "label"),
                    description=_req_text(p, node, "description"),
                )
            )
    if len({d.id for d in dims}) != len(dims):
        p.add(raw, "identifiant de positionnement ou de logique en double")
    return dims


def _weights(p: Problems, node: Any, owner: Any, dim_ids: set[str]) -> dict[str, float]:
    """Return a weights mapping, recording unknown dimensions and non-numbers."""
    result: dict[str, float] = {}
    for key, value in (node or {}).items():
        if key not in dim_ids:
            p.add(
                key if getattr(key, "line", 0) else owner,
                f"poids sur un positionnement ou une logique inconnu «\u00a0{key}\u00a0»",
            )
        elif isinstance(value, bool) or not isinstance(value, int | float):
            p.add(owner, f"le poids «\u00a0{key}\u00a0» doit être un nombre")
        else:
            result[key] = float(value)
    return result


def _options(p: Problems, qnode: _Node, qid: str, dim_ids: set[str]) -> tuple[Option, ...]:
    """Return a question's options, generated for regions or read from the file."""
    if qnode.get("options_from") == "regions":
        return tuple(
            Option(code=r.code, label=Text(r.name, r.name), weights={}) for r in partners.regions()
        )
    options: list[Option] = []
    for onode in qnode.get("options") or []:
        code = onode.get("code", "")
        if any(o.code == str(code) for o in options):
            p.add(
                code if getattr(code, "line", 0) else onode,
                f"question «\u00a0{qid}\u00a0»\u00a0: code d'option «\u00a0{code}\u00a0» en double",
            )
        options.append(
            Option(
                code=str(code),
                label=_req_text(p, onode, "label"),
                weights=_weights(p, onode.get("weights"), onode, dim_ids),
                exclusive=bool(onode.get("exclusive", False)),
            )
        )
    return tuple(options)


def _question(p: Problems, qnode: _Node, section: _Node, dim_ids: set[str]) -> Question:
    """Return one question, validating its type, options and weights (skip logic comes later)."""
    qid = str(qnode.get("id", ""))
    qtype = str(qnode.get("type", "single"))
    if qtype not in type_names():
        p.add(
            qnode.get("type"),
            f"question «\u00a0{qid}\u00a0»\u00a0: type inconnu «\u00a0{qtype}\u00a0» "
            f"(parmi {', '.join(type_names())})",
        )
        qtype = "single"
    kind = get_type(qtype)
    options = _options(p, qnode, qid, dim_ids) if kind.has_options else ()
    partner_weights = {
        str(group): _weights(p, w, qnode, dim_ids)
        for group, w in (qnode.get("partner_weights") or {}).items()
    }
    source = str(qnode.get("source") or "")
    if (any(o.weights for o in options) or partner_weights) and not source:
        p.add(
            qnode,
            f"la question «\u00a0{qid}\u00a0» a des poids mais pas de «\u00a0source\u00a0» "
            "dans le compte rendu",
        )
    min_c = int(qnode.get("min_choices", 1 if qnode.get("required") else 0))
    max_c = qnode.get("max_choices")
    if max_c is not None and int(max_c) < max(min_c, 1):
        p.add(qnode, f"«\u00a0{qid}\u00a0»\u00a0: max_choices est inférieur à min_choices")
    question = Question(
        id=qid,
        type=qtype,
        section_id=str(section.get("id", "")),
        label=_req_text(p, qnode, "label"),
        short=_req_text(p, qnode, "short"),
        help=_text(p, qnode, "help", required=False),
        required=bool(qnode.get("required", False)),
        options=options,
        source=source,
        min_choices=min_c if kind.multiple else 0,
        max_choices=int(max_c) if max_c is not None else None,
        partner_weights=partner_weights,
        repeat=str(section["id"]) if section.get("repeat") is not None else None,
        conditional=bool(qnode.get("relevant") or section.get("relevant")),
        perception=_perception(p, qnode, qid),
        line=qnode.line,
    )
    kind.check(question, p)
    return question


def _perception(p: Problems, qnode: _Node, qid: str) -> bool:
    """Return the question's optional ``perception`` flag, which must be true or false."""
    value = qnode.get("perception", False)
    if not isinstance(value, bool):
        p.add(qnode, f"«\u00a0{qid}\u00a0»\u00a0: «\u00a0perception\u00a0» vaut true ou false")
        return False
    return value


def _repeat(p: Problems, snode: _Node) -> Repeat | None:
    """Return what makes a section a repeat group, recording a repeat without a maximum."""
    node = snode.get("repeat")
    if node is None:
        return None
    sid = snode.get("id")
    if not isinstance(node, dict) or not isinstance(node.get("max"), int):
        p.add(
            node if isinstance(node, dict) else snode,
            f"le bloc répété «\u00a0{sid}\u00a0» n'a pas de maximum "
            "(clé «\u00a0max\u00a0», un entier)",
        )
        return Repeat(0, 1, Text(str(sid), str(sid)))
    low = int(node.get("min", 0))
    if not 0 <= low <= node["max"]:
        p.add(node, f"le bloc répété «\u00a0{sid}\u00a0»\u00a0: il faut 0 ≤ min ≤ max")
    return Repeat(low, int(node["max"]), _req_text(p, node, "item_label"))


def _sections(p: Problems, raw: _Node, dim_ids: set[str]) -> list[Section]:
    """Return the sections with their questions (without skip logic), checking ids."""
    sections: list[Section] = []
    seen: set[str] = set()
    for snode in raw.get("sections") or []:
        sid = str(snode.get("id", ""))
        questions = []
        for qnode in snode.get("questions") or []:
            question = _question(p, qnode, snode, dim_ids)
            if question.id in seen or (question.id == sid and snode.get("repeat") is not None):
                p.add(
                    qnode.get("id"),
                    f"identifiant de question en double «\u00a0{question.id}\u00a0»",
                )
            seen.add(question.id)
            questions.append(question)
        if not questions:
            p.add(snode, f"la section «\u00a0{sid}\u00a0» n'a aucune question")
        sections.append(
            Section(
                id=sid,
                title=_req_text(p, snode, "title"),
                intro=_text(p, snode, "intro", required=False),
                questions=tuple(questions),
                repeat=_repeat(p, snode),
            )
        )
    if len({s.id for s in sections}) != len(sections):
        p.add(raw, "identifiant de section en double")
    return sections


def _with_skip_logic(
    p: Problems, raw: _Node, sections: list[Section], scope: Scope
) -> list[Section]:
    """Return the sections with their questions' and their own ``relevant`` conditions parsed."""
    nodes = {str(s.get("id", "")): s for s in raw.get("sections") or []}
    result = []
    for section in sections:
        snode = nodes.get(section.id, _Node())
        qnodes = {str(q.get("id", "")): q for q in snode.get("questions") or []}
        questions = []
        for question in section.questions:
            node = qnodes.get(question.id, _Node()).get("relevant")
            relevant = None
            if node is not None:
                inner = replace(scope, results=False, item_of=question.repeat)
                who = f"«\u00a0relevant\u00a0» de la question «\u00a0{question.id}\u00a0»"
                relevant = ConditionParser(p, inner, who, question.line).parse(node)
            questions.append(replace(question, relevant=relevant))
        relevant = None
        if snode.get("relevant") is not None:
            who = f"«\u00a0relevant\u00a0» de la section «\u00a0{section.id}\u00a0»"
            parser = ConditionParser(p, replace(scope, results=False), who, snode.line)
            relevant = parser.parse(snode["relevant"])
        result.append(replace(section, questions=tuple(questions), relevant=relevant))
    return result


# --- Derived questions -----------------------------------------------------------------------

DERIVATIONS = ("union", "max", "share")


def _codes_of(question: Question) -> str:
    """Return a question's codes as a problem lists them."""
    return ", ".join(question.codes)


def _check_union(p: Problems, node: _Node, target: Question, source: Question) -> None:
    """Record a union that does not gather countries into a list of countries."""
    if source.type not in ("country", "country_multi"):
        p.add(
            node.get("field"),
            f"«\u00a0{target.id}\u00a0»\u00a0: «\u00a0how: union\u00a0» demande un champ "
            f"de type country ou country_multi («\u00a0{source.id}\u00a0» est {source.type})",
        )
    if target.type != "country_multi":
        p.add(
            node.get("how"),
            f"«\u00a0{target.id}\u00a0»\u00a0: «\u00a0how: union\u00a0» demande une question "
            f"de type country_multi («\u00a0{target.id}\u00a0» est {target.type})",
        )


def _check_max(p: Problems, node: _Node, target: Question, source: Question) -> None:
    """Record a max over a field that is not one code among the target's codes."""
    if not (source.kind.single_valued and source.kind.has_options):
        p.add(
            node.get("field"),
            f"«\u00a0{target.id}\u00a0»\u00a0: «\u00a0how: max\u00a0» demande un champ à choix "
            f"unique («\u00a0{source.id}\u00a0» est {source.type})",
        )
        return
    missing = [c for c in source.codes if target.option(c) is None]
    if missing:
        p.add(
            node.get("field"),
            f"«\u00a0{target.id}\u00a0»\u00a0: «\u00a0how: max\u00a0» demande que les codes de "
            f"«\u00a0{source.id}\u00a0» soient des codes de «\u00a0{target.id}\u00a0» "
            f"({', '.join(missing)} n'en sont pas\u00a0; codes\u00a0: {_codes_of(target)})",
        )


def _bands(p: Problems, node: _Node, target: Question) -> tuple[Band, ...]:
    """Return a share's bands (each below ``lt``, the last one without), recording problems."""
    raw = node.get("bands")
    if not isinstance(raw, list) or not raw:
        p.add(
            node,
            f"«\u00a0{target.id}\u00a0»\u00a0: «\u00a0how: share\u00a0» "
            f"demande des «\u00a0bands\u00a0»",
        )
        return ()
    bands: list[Band] = []
    for index, bnode in enumerate(raw):
        if not isinstance(bnode, dict):
            p.add(node, f"«\u00a0{target.id}\u00a0»\u00a0: bande invalide ({{lt, code}} attendu)")
            continue
        code = bnode.get("code")
        if target.option(str(code)) is None:
            p.add(
                code if getattr(code, "line", 0) else bnode,
                f"«\u00a0{target.id}\u00a0»\u00a0: la bande «\u00a0{code}\u00a0» n'est pas un code "
                f"de «\u00a0{target.id}\u00a0» (codes\u00a0: {_codes_of(target)})",
            )
        lt = bnode.get("lt")
        last = index == len(raw) - 1
        if last and lt is not None:
            p.add(
                bnode,
                f"«\u00a0{target.id}\u00a0»\u00a0: la dernière bande n'a pas de «\u00a0lt\u00a0»",
            )
        elif not last and (isinstance(lt, bool) or not isinstance(lt, int | float)):
            p.add(
                bnode,
                f"«\u00a0{target.id}\u00a0»\u00a0: chaque bande sauf la dernière "
                f"a un «\u00a0lt\u00a0» numérique",
            )
            lt = None
        elif not last and bands and bands[-1].lt is not None and float(lt or 0) <= bands[-1].lt:
            p.add(
                bnode,
                f"«\u00a0{target.id}\u00a0»\u00a0: les «\u00a0lt\u00a0» des bandes doivent croître",
            )
        bands.append(Band(str(code), float(lt) if lt is not None and not last else None))
    return tuple(bands)


def _check_share(p: Problems, node: _Node, target: Question, source: Question) -> tuple[str, ...]:
    """Return a share's codes, recording those that are not the field's codes."""
    raw = node.get("codes")
    if not isinstance(raw, list) or not raw:
        p.add(
            node,
            f"«\u00a0{target.id}\u00a0»\u00a0: «\u00a0how: share\u00a0» "
            f"demande des «\u00a0codes\u00a0»",
        )
        return ()
    if not source.kind.has_options:
        p.add(
            node.get("field"),
            f"«\u00a0{target.id}\u00a0»\u00a0: «\u00a0how: share\u00a0» demande un champ à "
            f"options («\u00a0{source.id}\u00a0» est {source.type})",
        )
        return tuple(str(c) for c in raw)
    for code in raw:
        if source.option(str(code)) is None:
            p.add(
                code if getattr(code, "line", 0) else node,
                f"«\u00a0{target.id}\u00a0»\u00a0: le code «\u00a0{code}\u00a0» "
                f"n'est pas une option de «\u00a0{source.id}\u00a0» "
                f"(options\u00a0: {_codes_of(source)})",
            )
    return tuple(str(c) for c in raw)


def _derivation(  # noqa: C901, PLR0912 - one check per documented mistake, each with its line
    p: Problems, node: Any, target: Question, repeats: Mapping[str, Section]
) -> Derivation | None:
    """Return a question's ``derive``, or None after recording why it cannot be read."""
    who = f"«\u00a0derive\u00a0» de «\u00a0{target.id}\u00a0»"
    if not isinstance(node, _Node):
        p.add(
            node if getattr(node, "line", 0) else target.line,
            f"{who} doit être un dictionnaire (repeat, field, how)",
        )
        return None
    if target.repeat is not None:
        p.add(node, f"{who}\u00a0: une question d'un bloc répété ne peut pas être dérivée")
        return None
    if target.required:
        p.add(
            node,
            f"«\u00a0{target.id}\u00a0» est dérivée des blocs («\u00a0derive\u00a0»)\u00a0: elle "
            "ne peut pas être obligatoire (retirez «\u00a0required: true\u00a0»)",
        )
    rid = node.get("repeat")
    section = repeats.get(str(rid))
    if section is None:
        p.add(
            rid if getattr(rid, "line", 0) else node,
            f"{who}\u00a0: bloc répété inconnu «\u00a0{rid}\u00a0» (parmi {', '.join(repeats)})",
        )
        return None
    fid = node.get("field")
    source = next((qu for qu in section.questions if qu.id == str(fid)), None)
    if source is None:
        p.add(
            fid if getattr(fid, "line", 0) else node,
            f"{who}\u00a0: «\u00a0{fid}\u00a0» n'est pas un champ du bloc répété "
            f"«\u00a0{section.id}\u00a0» "
            f"(champs\u00a0: {', '.join(q.id for q in section.questions)})",
        )
        return None
    how = node.get("how")
    if how not in DERIVATIONS:
        p.add(
            how if getattr(how, "line", 0) else node,
            f"{who}\u00a0: «\u00a0how\u00a0» inconnu «\u00a0{how}\u00a0» "
            f"(parmi {', '.join(DERIVATIONS)})",
        )
        return None
    codes: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()
    if how == "union":
        _check_union(p, node, target, source)
    elif not (target.kind.single_valued and target.kind.has_options):
        p.add(
            node.get("how"),
            f"{who}\u00a0: «\u00a0how: {how}\u00a0» demande une question à choix unique "
            f"(«\u00a0{target.id}\u00a0» est {target.type})",
        )
    elif how == "max":
        _check_max(p, node, target, source)
    else:
        codes = _check_share(p, node, target, source)
        bands = _bands(p, node, target)
    empty = node.get("empty")
    if how != "union" and empty is None:
        p.add(
            node,
            f"{who}\u00a0: code «\u00a0empty\u00a0» manquant (la réponse sans aucun bloc, "
            f"parmi {_codes_of(target)})",
        )
    elif how != "union" and target.option(str(empty)) is None:
        p.add(
            empty if getattr(empty, "line", 0) else node,
            f"{who}\u00a0: «\u00a0empty\u00a0» «\u00a0{empty}\u00a0» n'est pas un code de "
            f"«\u00a0{target.id}\u00a0» (codes\u00a0: {_codes_of(target)})",
        )
    return Derivation(
        repeat=section.id,
        field=source.id,
        how=how,  # type: ignore[arg-type]
        empty=str(empty) if empty is not None and how != "union" else None,
        codes=codes,
        bands=bands,
        line=node.line,
    )


def _with_derivations(p: Problems, raw: _Node, sections: list[Section]) -> list[Section]:
    """Return the sections with their questions' ``derive`` read and checked."""
    nodes = {str(s.get("id", "")): s for s in raw.get("sections") or []}
    repeats = {s.id: s for s in sections if s.repeat is not None}
    result = []
    for section in sections:
        qnodes = {
            str(q.get("id", "")): q for q in nodes.get(section.id, _Node()).get("questions") or []
        }
        questions = []
        for question in section.questions:
            node = qnodes.get(question.id, _Node()).get("derive")
            derivation = _derivation(p, node, question, repeats) if node is not None else None
            questions.append(replace(question, derive=derivation) if derivation else question)
        result.append(replace(section, questions=tuple(questions)))
    return result


# --- Facts, rules and constraints -------------------------------------------------------------


def _facts(p: Problems, raw: _Node, questions: Mapping[str, Question]) -> list[Fact]:
    """Return the derived facts, checking the question and codes they rest on."""
    facts = []
    for node in raw.get("facts") or []:
        fid = str(node.get("id", ""))
        qid = str(node.get("from_question", ""))
        question = questions.get(qid)
        computed = node.get("computed") == "partners"
        if computed:
            if fid not in PARTNER_FACTS:
                p.add(
                    node.get("id"),
                    f"fait calculé inconnu «\u00a0{fid}\u00a0» (parmi {PARTNER_FACTS})",
                )
        elif question is None:
            p.add(
                node.get("from_question") or node,
                f"le fait «\u00a0{fid}\u00a0» repose sur une question inconnue «\u00a0{qid}\u00a0»",
            )
        else:
            for code in node.get("true_for") or []:
                if question.option(str(code)) is None:
                    p.add(
                        code,
                        f"fait «\u00a0{fid}\u00a0»\u00a0: code inconnu «\u00a0{code}\u00a0» "
                        f"de «\u00a0{qid}\u00a0»",
                    )
        if not node.get("source"):
            p.add(node, f"le fait «\u00a0{fid}\u00a0» n'a pas de «\u00a0source\u00a0»")
        facts.append(
            Fact(
                id=fid,
                label=_req_text(p, node, "label"),
                from_question=qid,
                true_for=tuple(str(c) for c in node.get("true_for") or []),
                source=str(node.get("source") or ""),
                computed=computed,
            )
        )
    return facts


def _rules(p: Problems, raw: _Node, scope: Scope, facts: list[Fact]) -> list[Rule]:
    """Return the recommendations and warnings, validating their conditions."""
    rules: list[Rule] = []
    for kind, key in (("recommendation", "recommendations"), ("warning", "warnings")):
        for node in raw.get(key) or []:
            rid = str(node.get("id", ""))
            if any(r.id == rid for r in rules):
                p.add(node.get("id"), f"identifiant de règle en double «\u00a0{rid}\u00a0»")
            priority = str(node.get("priority", "medium"))
            if priority not in PRIORITIES:
                p.add(
                    node,
                    f"règle «\u00a0{rid}\u00a0»\u00a0: la priorité doit être l'une de {PRIORITIES}",
                )
            parser = ConditionParser(p, scope, f"règle «\u00a0{rid}\u00a0»", node.line)
            escalate = node.get("escalate_when")
            when = parser.parse(node.get("when"))
            fragments = _fragments(p, node, rid, parser)
            _check_placeholders(p, node, rid, scope.questions, when, fragments, facts)
            rules.append(
                Rule(
                    id=rid,
                    kind=kind,  # type: ignore[arg-type]
                    title=_req_text(p, node, "title"),
                    text=_req_text(p, node, "text"),
                    source=_req_text(p, node, "source"),
                    priority=priority,
                    when=when,
                    escalate_when=parser.parse(escalate) if escalate else None,
                    excludes=tuple(str(x) for x in node.get("excludes") or []),
                    stance=_stance(p, node, rid),
                    fragments=fragments,
                    line=node.line,
                )
            )
    _check_excludes(p, rules)
    return rules


def _stance(p: Problems, node: _Node, rid: str) -> dict[str, str]:
    """Return a rule's stances (topic: for or against), recording other values."""
    stance = {}
    for topic, value in (node.get("stance") or {}).items():
        if value not in STANCES:
            p.add(
                node,
                f"règle «\u00a0{rid}\u00a0»\u00a0: stance «\u00a0{topic}\u00a0» "
                "vaut for ou against",
            )
        stance[str(topic)] = str(value)
    return stance


def _fragments(p: Problems, node: _Node, rid: str, parser: ConditionParser) -> dict[str, Fragment]:
    """Return a rule's conditional text fragments, each with its condition and texts."""
    fragments = {}
    for name, fnode in (node.get("fragments") or {}).items():
        if not isinstance(fnode, dict):
            p.add(node, f"règle «\u00a0{rid}\u00a0»\u00a0: fragment «\u00a0{name}\u00a0» invalide")
            continue
        for lang in LANGS:
            text = str((fnode.get("text") or {}).get(lang) or "")
            inner = {n for _, n, _, _ in string.Formatter().parse(text) if n}
            if inner & set((node.get("fragments") or {}).keys()):
                p.add(
                    fnode,
                    f"règle «\u00a0{rid}\u00a0»\u00a0: le fragment «\u00a0{name}\u00a0» "
                    "ne peut pas contenir de fragment",
                )
        fragments[str(name)] = Fragment(
            parser.parse(fnode.get("when")), _req_text(p, fnode, "text")
        )
    return fragments


def _check_excludes(p: Problems, rules: list[Rule]) -> None:
    """Record exclusions naming unknown rules, and pairs that exclude each other."""
    ids = {r.id for r in rules}
    for rule in rules:
        for other in rule.excludes:
            if other not in ids or other == rule.id:
                p.add(
                    rule.line,
                    f"règle «\u00a0{rule.id}\u00a0»\u00a0: exclut une règle inconnue "
                    f"«\u00a0{other}\u00a0»",
                )
            elif rule.id in next(r for r in rules if r.id == other).excludes:
                p.add(
                    rule.line,
                    f"règles «\u00a0{rule.id}\u00a0» et «\u00a0{other}\u00a0» "
                    "s'excluent l'une l'autre",
                )


def required_leaves(cond: Condition) -> list[Condition]:
    """Return the leaves that must hold whenever the condition holds (reached through « all »)."""
    if cond.op == "all":
        return [leaf for child in cond.children for leaf in required_leaves(child)]
    if cond.op in ("answer", "fact", "score", "dominant"):
        return [cond]
    return []


def _backs(leaf: Condition, name: str, spec: str, facts: list[Fact]) -> bool:
    """Return whether a leaf that holds guarantees what placeholder {name:spec} says."""
    if name in PARTNER_LISTS:
        return leaf.op == "fact" and leaf.target == PARTNER_LISTS[name] and (leaf.gte or 0) > 0
    if leaf.op == "fact":
        fact = next((f for f in facts if f.id == leaf.target), None)
        return not spec and fact is not None and fact.from_question == name
    if leaf.op != "answer" or leaf.target != name or leaf.negate or leaf.is_ is False:
        return False
    return not spec or (bool(leaf.codes) and set(leaf.codes) <= set(spec.split(",")))


def _check_placeholders(  # noqa: PLR0913 - the rule's parts a placeholder may rest on
    p: Problems,
    node: _Node,
    rid: str,
    questions: Mapping[str, Question],
    when: Condition,
    fragments: Mapping[str, Fragment],
    facts: list[Fact],
) -> None:
    """Record {placeholders} that name nothing the engine can fill, or that no condition backs.

    A placeholder about the respondent must rest on a leaf of the condition that always holds
    when the rule (or its fragment) fires: texts say only what the answers say.
    """
    known = set(questions) | set(PARTNER_LISTS) | set(fragments)
    texts = [((node.get("text") or {}).get(lang) or "", lang, when) for lang in LANGS]
    for fname, fragment in fragments.items():
        fnode = (node.get("fragments") or {}).get(fname) or {}
        both = Condition(op="all", children=(when, fragment.when))
        texts += [((fnode.get("text") or {}).get(lang) or "", lang, both) for lang in LANGS]
    for text, lang, cond in texts:
        for _, name, spec, _ in string.Formatter().parse(str(text)):
            if name is None:
                continue
            where = f"règle «\u00a0{rid}\u00a0»\u00a0: champ «\u00a0{{{name}}}\u00a0» ({lang})"
            if name not in known:
                p.add(
                    text,
                    f"règle «\u00a0{rid}\u00a0»\u00a0: champ inconnu "
                    f"«\u00a0{{{name}}}\u00a0» ({lang})",
                )
            elif (
                name in questions
                and spec
                and any(questions[name].option(c) is None for c in spec.split(","))
            ):
                p.add(text, f"{where}\u00a0: code inconnu dans «\u00a0{spec}\u00a0»")
            elif name not in fragments and not any(
                _backs(leaf, name, spec or "", facts) for leaf in required_leaves(cond)
            ):
                p.add(
                    text,
                    f"{where} n'est garanti par aucune condition de la règle "
                    "(un texte ne dit que ce que disent les réponses)",
                )


def _constraints(p: Problems, raw: _Node, scope: Scope) -> list[Constraint]:
    """Return the consistency constraints between answers, validating their conditions."""
    constraints = []
    for node in raw.get("constraints") or []:
        cid = str(node.get("id", ""))
        parser = ConditionParser(
            p, replace(scope, results=False), f"contrainte «\u00a0{cid}\u00a0»", node.line
        )
        check = parser.parse(node.get("check"))
        constraints.append(Constraint(cid, check, _req_text(p, node, "message"), node.line))
    return constraints


def _combinations(q: Questionnaire, qids: list[str]) -> list[dict[str, Any]]:
    """Return answer sets over some questions: every combination if few, else random ones."""
    questions = [q.questions[qid] for qid in qids]
    domains = [question.kind.domain(question) for question in questions]
    rng = random.Random(0)  # noqa: S311 - reproducible sampling, not security
    size = 1
    for domain in domains:
        size *= len(domain) if domain is not None else ENUMERATION_LIMIT + 1
    if size <= ENUMERATION_LIMIT:
        combos: list[tuple[AnswerValue, ...]] = list(itertools.product(*domains))  # type: ignore[arg-type]
    else:
        combos = [
            tuple(question.kind.sample(question, rng) for question in questions)
            for _ in range(SAMPLES)
        ]
    sets = []
    for combo in combos:
        answers: dict[str, Any] = {}
        for question, value in zip(questions, combo, strict=True):
            if question.repeat is None:
                answers[question.id] = value
            else:
                items = answers.setdefault(question.repeat, [{}])
                items[0][question.id] = value
        sets.append(answers)
    return sets


def _check_satisfiable(p: Problems, q: Questionnaire) -> None:
    """Record every constraint that no answer set can satisfy (by enumeration or sampling)."""
    for constraint in q.constraints:
        qids = constraint.question_ids
        sets = _combinations(q, qids) if qids else [{}]
        if not any(
            holds(constraint.check, Env(q, answers, derived_facts(q, answers))) for answers in sets
        ):
            p.add(
                constraint.check.line or constraint.line,
                f"la contrainte «\u00a0{constraint.id}\u00a0» ne peut être satisfaite "
                "par aucune réponse",
            )


def _abroad_only(sections: list[Section]) -> list[Section]:
    """Return the sections with their country questions refusing France and its territories."""
    return [
        replace(
            s,
            questions=tuple(
                replace(qu, abroad_only=True) if qu.type in COUNTRY_TYPES else qu
                for qu in s.questions
            ),
        )
        for s in sections
    ]


def _check_neutral_absence(p: Problems, sections: list[Section]) -> None:
    """Record « none » answers that add points: an absence is evidence of nothing (strict)."""
    for question in (qu for s in sections for qu in s.questions):
        for option in question.options:
            if (option.code == "none" or option.exclusive) and option.weights:
                p.add(
                    question.line,
                    f"«\u00a0{question.id}\u00a0»\u00a0: la réponse «\u00a0{option.code}\u00a0» "
                    "ajoute des points, or une absence n'est la preuve de rien",
                )
        for group in ("none", "unknown"):
            if question.partner_weights.get(group):
                p.add(
                    question.line,
                    f"«\u00a0{question.id}\u00a0»\u00a0: partner_weights «\u00a0{group}\u00a0» "
                    "ajoute des points, or une absence n'est la preuve de rien",
                )


def random_answers(q: Questionnaire, rng: random.Random) -> dict[str, Any]:
    """Return a random answer set over the whole questionnaire, repeat items included."""
    answers: dict[str, Any] = {}
    for section in q.sections:
        if section.repeat is None:
            for question in section.questions:
                answers[question.id] = question.kind.sample(question, rng)
            continue
        count = rng.randint(section.repeat.min, min(section.repeat.max, 3))
        answers[section.id] = [
            {qu.id: qu.kind.sample(qu, rng) for qu in section.questions} for _ in range(count)
        ]
    return answers


def conflicting_pairs(q: Questionnaire) -> list[tuple[Rule, Rule]]:
    """Return the pairs of rules with opposite stances on a topic that exclude neither other."""
    pairs = []
    for a, b in itertools.combinations(q.rules, 2):
        opposed = any(b.stance.get(t) not in (None, v) for t, v in a.stance.items())
        if opposed and a.id not in b.excludes and b.id not in a.excludes:
            pairs.append((a, b))
    return pairs


def _check_conflicts(p: Problems, q: Questionnaire) -> None:
    """Record contradictory rules that random answer sets make fire together, undeclared."""
    from app.core.recommend import env_of_result
    from app.core.relevance import prune
    from app.core.scoring import score

    pairs = conflicting_pairs(q)
    if not pairs:
        return
    rng = random.Random(0)  # noqa: S311 - reproducible sampling, not security
    found: set[tuple[str, str]] = set()
    for _ in range(CONFLICT_SAMPLES):
        answers = prune(q, random_answers(q, rng))
        env = env_of_result(q, answers, score(q, answers, with_tip=False))
        for a, b in pairs:
            if (a.id, b.id) not in found and holds(a.when, env) and holds(b.when, env):
                found.add((a.id, b.id))
                p.add(
                    b.line,
                    f"les règles «\u00a0{a.id}\u00a0» et «\u00a0{b.id}\u00a0» se contredisent "
                    "et peuvent être montrées ensemble\u00a0: déclarez «\u00a0excludes\u00a0»",
                )


# --- The whole folder -------------------------------------------------------------------------


def check_folder(folder: Path) -> tuple[Questionnaire, list[str]]:
    """Return the questionnaire of folder and every problem found in it."""
    p = Problems(folder / "questionnaire.yaml")
    raw = _read_yaml(p.file, p)
    version = str(raw.get("version", ""))
    if not version:
        p.add(raw, "«\u00a0version\u00a0» manquante")
    dims = _dimensions(p, raw)
    dim_ids = {d.id for d in dims}
    sections = _with_derivations(p, raw, _sections(p, raw, dim_ids))
    questions = {qu.id: qu for s in sections for qu in s.questions}
    facts = _facts(p, raw, questions)
    tie_order = tuple(raw.get("tie_order") or ())
    positioning_ids = tuple(d.id for d in dims if d.kind == "positioning")
    if sorted(tie_order) != sorted(positioning_ids):
        p.add(
            raw.get("tie_order") or raw,
            "«\u00a0tie_order\u00a0» doit citer chaque positionnement une fois",
        )
    value_labels = {
        str(k): t
        for k in (raw.get("value_labels") or {})
        if (t := _text(p, raw["value_labels"], k))
    }
    scope = Scope(
        questions=questions,
        fact_ids=frozenset(f.id for f in facts),
        dim_ids=frozenset(dim_ids),
        positioning_ids=positioning_ids,
        repeats={s.id: s for s in sections if s.repeat is not None},
    )
    sections = _with_skip_logic(p, raw, sections, scope)
    constraints = _constraints(p, raw, scope)
    scope = replace(scope, questions={qu.id: qu for s in sections for qu in s.questions})
    rules_raw = _read_yaml(folder / "rules.yaml", p)
    rules = _rules(p, rules_raw, scope, facts) if questions else []
    strict = raw.get("reasoning") == "strict"
    if strict:
        sections = _abroad_only(sections)
        p.file = folder / "questionnaire.yaml"
        _check_neutral_absence(p, sections)
    questionnaire = Questionnaire(
        version=version,
        title=_req_text(p, raw, "title"),
        positionings=tuple(d for d in dims if d.kind == "positioning"),
        logics=tuple(d for d in dims if d.kind == "logic"),
        tie_order=tie_order,
        sections=tuple(sections),
        facts=tuple(facts),
        rules=tuple(rules),
        value_labels=value_labels,
        constraints=tuple(constraints),
        strict=strict,
    )
    from app.core.portfolio_loader import FILE_NAME, check_portfolio  # imports this module

    portfolio = check_portfolio(p, folder / FILE_NAME, questionnaire)
    if portfolio is not None:
        questionnaire = replace(questionnaire, portfolio=portfolio)
    if not p.found:
        p.file = folder / "questionnaire.yaml"
        _check_satisfiable(p, questionnaire)
        p.file = folder / "rules.yaml"
        _check_conflicts(p, questionnaire)
    return questionnaire, p.found


def load_folder(folder: Path) -> Questionnaire:
    """Return the questionnaire of folder, or raise QuestionnaireError listing its problems."""
    questionnaire, problems = check_folder(folder)
    if problems:
        raise QuestionnaireError(problems)
    return questionnaire
