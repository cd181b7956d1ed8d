"""Load and validate the questionnaire files (questions/) into frozen dataclasses.

A questionnaire version is a folder ``questions/v<N>/`` holding ``questionnaire.yaml`` (dimensions,
sections, questions, options and their weights) and ``rules.yaml`` (recommendations and
warnings). Every problem found while loading is reported with its file and line.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from app import partners

QUESTIONS_DIR = Path(__file__).resolve().parent.parent / "questions"

QuestionType = Literal["single", "multi", "scale", "country_multi"]
QUESTION_TYPES = ("single", "multi", "scale", "country_multi")
PRIORITIES = ("high", "medium", "low")
LANGS = ("fr", "en")
# Partner facts the scoring engine computes (see scoring.partner_facts); rules may test them.
PARTNER_FACTS = (
    "partner_count",
    "low_income_share",
    "south_share",
    "middle_income_share",
    "high_income_share",
    "oecd_share",
    "middle_or_oecd_share",
    "unknown_income_share",
)


# Partner lists a rule text may name with {placeholder}, each with the partner fact whose
# countries it lists (see recommend.py).
PARTNER_LISTS = {
    "low_income_partners": "low_income_share",
    "south_partners": "south_share",
    "middle_or_oecd_partners": "middle_or_oecd_share",
    "oecd_partners": "oecd_share",
}


class QuestionnaireError(Exception):
    """Raised when questionnaire files hold problems; ``problems`` lists them all."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Text:
    """A text in French and English."""

    fr: str
    en: str

    def get(self, lang: str) -> str:
        """Return the text in lang, French for any other language."""
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True)
class Dimension:
    """A positioning or a logic of action that answers are scored against."""

    id: str
    kind: Literal["positioning", "logic"]
    label: Text
    description: Text


@dataclass(frozen=True)
class Option:
    """One possible answer of a question, with its weights towards the dimensions."""

    code: str
    label: Text
    weights: Mapping[str, float]
    exclusive: bool = False


@dataclass(frozen=True)
class Question:
    """A question of the diagnostic."""

    id: str
    type: QuestionType
    section_id: str
    label: Text
    short: Text
    help: Text | None
    required: bool
    options: tuple[Option, ...]
    source: str
    min_choices: int = 0
    max_choices: int | None = None
    # country_multi only: weights per partner income group ("oecd" adds to the group's weights,
    # "none" applies when no partner is given).
    partner_weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def option(self, code: str) -> Option | None:
        """Return the option with this code, if any."""
        for opt in self.options:
            if opt.code == code:
                return opt
        return None

    @property
    def codes(self) -> tuple[str, ...]:
        """Return the option codes in order."""
        return tuple(o.code for o in self.options)


@dataclass(frozen=True)
class Section:
    """A step of the diagnostic."""

    id: str
    title: Text
    intro: Text | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Condition:
    """A node of a rule's condition tree.

    ``op`` is ``all``, ``any``, ``not`` (with ``children``) or a leaf: ``answer`` (question
    ``target`` with ``in``/``not_in`` codes, or ``gte``/``lte`` for scales, or ``answered``),
    ``fact`` (a derived fact compared with ``is``/``gte``/``lte``), ``score`` (a dimension's score
    compared with ``gte``/``lte``) or ``dominant`` (the dominant positioning is one of ``codes``).
    """

    op: str
    target: str = ""
    codes: tuple[str, ...] = ()
    negate: bool = False
    gte: float | None = None
    lte: float | None = None
    is_: bool | None = None
    children: tuple[Condition, ...] = ()

    def leaves(self) -> Iterator[Condition]:
        """Yield every leaf condition of the tree."""
        if self.children:
            for child in self.children:
                yield from child.leaves()
        else:
            yield self


@dataclass(frozen=True)
class Rule:
    """A recommendation or a warning, the condition that triggers it and its source."""

    id: str
    kind: Literal["recommendation", "warning"]
    title: Text
    text: Text
    source: Text
    priority: str
    when: Condition
    escalate_when: Condition | None


@dataclass(frozen=True)
class Fact:
    """A fact derived from the answers rather than asked (e.g. economic competence)."""

    id: str
    label: Text
    from_question: str
    true_for: tuple[str, ...]
    source: str
    computed: bool = False


@dataclass(frozen=True, eq=False)
class Questionnaire:
    """A whole questionnaire version."""

    version: str
    title: Text
    positionings: tuple[Dimension, ...]
    logics: tuple[Dimension, ...]
    tie_order: tuple[str, ...]
    sections: tuple[Section, ...]
    facts: tuple[Fact, ...]
    rules: tuple[Rule, ...]
    value_labels: Mapping[str, Text]

    @property
    def questions(self) -> dict[str, Question]:
        """Return the questions by id, in questionnaire order."""
        return _questions_by_id(self)

    @property
    def dimensions(self) -> tuple[Dimension, ...]:
        """Return the positionings then the logics."""
        return self.positionings + self.logics

    def dimension(self, dim_id: str) -> Dimension:
        """Return the positioning or logic with this id."""
        return next(d for d in self.dimensions if d.id == dim_id)

    def rule(self, rule_id: str) -> Rule:
        """Return the rule with this id."""
        return next(r for r in self.rules if r.id == rule_id)

    def section(self, section_id: str) -> Section | None:
        """Return the section with this id, if any."""
        return next((s for s in self.sections if s.id == section_id), None)


@cache
def _questions_by_id(q: Questionnaire) -> dict[str, Question]:
    """Return the questions of q by id (cached per questionnaire)."""
    return {qu.id: qu for s in q.sections for qu in s.questions}


# --- YAML with line numbers -------------------------------------------------------------------


class _Node(dict[str, Any]):
    """A YAML mapping that remembers the line it started on."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader whose mappings carry their line number."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Node:
    """Build a _Node from a mapping node, recording its line (1-based)."""
    mapping = _Node({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path, problems: list[str]) -> _Node:
    """Return the mapping at the top of a YAML file, recording a problem if it is not one."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        problems.append(f"{path}: invalid YAML: {exc}")
        return _Node()
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc}")
        return _Node()
    if not isinstance(data, _Node):
        problems.append(f"{path}:1: the file must hold a mapping")
        return _Node()
    return data


# --- Building and validating ------------------------------------------------------------------


class _Builder:
    """Turns the raw YAML of one version into dataclasses, collecting every problem."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[str] = []
        self.file = folder / "questionnaire.yaml"

    def problem(self, node: Any, message: str) -> None:
        """Record a problem at the node's line."""
        line = getattr(node, "line", 0)
        self.problems.append(f"{self.file}:{line}: {message}")

    def text(self, node: Any, key: str, parent: Any, required: bool = True) -> Text | None:
        """Return the bilingual text under key, recording missing translations."""
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            if required:
                self.problem(parent, f"missing '{key}'")
            return None
        if isinstance(value, str):
            self.problem(parent, f"'{key}' needs both 'fr' and 'en' texts")
            return Text(value, value)
        missing = [lang for lang in LANGS if not str(value.get(lang) or "").strip()]
        if missing:
            self.problem(value, f"'{key}' lacks a translation: {', '.join(missing)}")
        return Text(str(value.get("fr") or ""), str(value.get("en") or ""))

    def build(self) -> Questionnaire:
        """Return the questionnaire of the folder; problems are left in self.problems."""
        raw = _read_yaml(self.file, self.problems)
        version = str(raw.get("version", ""))
        if not version:
            self.problem(raw, "missing 'version'")
        dims = self.dimensions(raw)
        dim_ids = {d.id for d in dims}
        sections = self.sections(raw, dim_ids)
        questions = {q.id: q for s in sections for q in s.questions}
        facts = self.facts(raw, questions)
        tie_order = tuple(raw.get("tie_order") or ())
        positioning_ids = [d.id for d in dims if d.kind == "positioning"]
        if sorted(tie_order) != sorted(positioning_ids):
            self.problem(raw, "'tie_order' must list every positioning exactly once")
        value_labels = {
            str(k): t
            for k, v in (raw.get("value_labels") or {}).items()
            if (t := self.text(v, k, raw["value_labels"])) is not None
        }
        self.file = self.folder / "rules.yaml"
        rules_raw = _read_yaml(self.file, self.problems)
        fact_ids = {f.id for f in facts}
        checker = _ConditionChecker(self, questions, fact_ids, dim_ids, positioning_ids)
        rules = self.rules(rules_raw, checker) if questions else []
        return Questionnaire(
            version=version,
            title=self.text(raw, "title", raw) or Text("", ""),
            positionings=tuple(d for d in dims if d.kind == "positioning"),
            logics=tuple(d for d in dims if d.kind == "logic"),
            tie_order=tie_order,
            sections=tuple(sections),
            facts=tuple(facts),
            rules=tuple(rules),
            value_labels=value_labels,
        )

    def dimensions(self, raw: _Node) -> list[Dimension]:
        """Return the positionings and logics declared at the top of the file."""
        dims: list[Dimension] = []
        for kind, key in (("positioning", "positionings"), ("logic", "logics")):
            for node in raw.get(key) or []:
                dims.append(
                    Dimension(
                        id=str(node.get("id")),
                        kind=kind,  # type: ignore[arg-type]
                        label=self.text(node, "label", node) or Text("", ""),
                        description=self.text(node, "description", node) or Text("", ""),
                    )
                )
        if len({d.id for d in dims}) != len(dims):
            self.problem(raw, "duplicate positioning or logic id")
        return dims

    def sections(self, raw: _Node, dim_ids: set[str]) -> list[Section]:
        """Return the sections with their questions, validating ids and weights."""
        sections: list[Section] = []
        seen: set[str] = set()
        for snode in raw.get("sections") or []:
            sid = str(snode.get("id", ""))
            questions = []
            for qnode in snode.get("questions") or []:
                question = self.question(qnode, sid, dim_ids)
                if question.id in seen:
                    self.problem(qnode, f"duplicate question id '{question.id}'")
                seen.add(question.id)
                questions.append(question)
            if not questions:
                self.problem(snode, f"section '{sid}' has no question")
            sections.append(
                Section(
                    id=sid,
                    title=self.text(snode, "title", snode) or Text("", ""),
                    intro=self.text(snode, "intro", snode, required=False),
                    questions=tuple(questions),
                )
            )
        if len({s.id for s in sections}) != len(sections):
            self.problem(raw, "duplicate section id")
        return sections

    def weights(self, node: Any, owner: Any, dim_ids: set[str]) -> dict[str, float]:
        """Return a weights mapping, recording unknown dimensions and non-numbers."""
        result: dict[str, float] = {}
        for key, value in (node or {}).items():
            if key not in dim_ids:
                self.problem(owner, f"weight on unknown positioning or logic '{key}'")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                self.problem(owner, f"weight '{key}' must be a number")
            else:
                result[key] = float(value)
        return result

    def question(self, qnode: _Node, section_id: str, dim_ids: set[str]) -> Question:
        """Return one question, validating its type, options and weights."""
        qid = str(qnode.get("id", ""))
        qtype: QuestionType = qnode.get("type", "single")
        if qtype not in QUESTION_TYPES:
            self.problem(qnode, f"question '{qid}': unknown type '{qtype}'")
            qtype = "single"
        options = self.options(qnode, qid, qtype, dim_ids)
        partner_weights = {
            str(group): self.weights(w, qnode, dim_ids)
            for group, w in (qnode.get("partner_weights") or {}).items()
        }
        if qtype == "country_multi":
            expected = {*partners.INCOME_GROUPS, "oecd", "none"}
            if set(partner_weights) != expected:
                self.problem(qnode, f"'{qid}': partner_weights must cover {sorted(expected)}")
        has_weights = any(o.weights for o in options) or partner_weights
        source = str(qnode.get("source") or "")
        if has_weights and not source:
            self.problem(qnode, f"question '{qid}' has weights but no 'source' in the report")
        min_c = int(qnode.get("min_choices", 1 if qnode.get("required") else 0))
        max_c = qnode.get("max_choices")
        if max_c is not None and int(max_c) < max(min_c, 1):
            self.problem(qnode, f"'{qid}': max_choices is below min_choices")
        return Question(
            id=qid,
            type=qtype,
            section_id=section_id,
            label=self.text(qnode, "label", qnode) or Text("", ""),
            short=self.text(qnode, "short", qnode) or Text("", ""),
            help=self.text(qnode, "help", qnode, required=False),
            required=bool(qnode.get("required", False)),
            options=options,
            source=source,
            min_choices=min_c if qtype in ("multi", "country_multi") else 0,
            max_choices=int(max_c) if max_c is not None else None,
            partner_weights=partner_weights,
        )

    def options(self, qnode: _Node, qid: str, qtype: str, dim_ids: set[str]) -> tuple[Option, ...]:
        """Return a question's options, generated for regions or read from the file."""
        if qtype == "country_multi":
            return ()
        if qnode.get("options_from") == "regions":
            return tuple(
                Option(code=r.code, label=Text(r.name, r.name), weights={})
                for r in partners.regions()
            )
        options: list[Option] = []
        for onode in qnode.get("options") or []:
            code = str(onode.get("code", ""))
            if any(o.code == code for o in options):
                self.problem(onode, f"question '{qid}': duplicate option code '{code}'")
            options.append(
                Option(
                    code=code,
                    label=self.text(onode, "label", onode) or Text("", ""),
                    weights=self.weights(onode.get("weights"), onode, dim_ids),
                    exclusive=bool(onode.get("exclusive", False)),
                )
            )
        if not options:
            self.problem(qnode, f"question '{qid}' has no option")
        if qtype == "scale" and [o.code for o in options] != ["1", "2", "3", "4"]:
            self.problem(qnode, f"scale question '{qid}' must have options 1 to 4")
        return tuple(options)

    def facts(self, raw: _Node, questions: Mapping[str, Question]) -> list[Fact]:
        """Return the derived facts, checking the question and codes they rest on."""
        facts = []
        for node in raw.get("facts") or []:
            fid = str(node.get("id", ""))
            qid = str(node.get("from_question", ""))
            codes = tuple(str(c) for c in node.get("true_for") or [])
            question = questions.get(qid)
            computed = node.get("computed") == "partners"
            if computed:
                if fid not in PARTNER_FACTS:
                    self.problem(node, f"unknown computed fact '{fid}' (one of {PARTNER_FACTS})")
            elif question is None:
                self.problem(node, f"fact '{fid}' rests on unknown question '{qid}'")
            else:
                for code in codes:
                    if question.option(code) is None:
                        self.problem(node, f"fact '{fid}': unknown code '{code}' of '{qid}'")
            if not node.get("source"):
                self.problem(node, f"fact '{fid}' has no 'source'")
            facts.append(
                Fact(
                    id=fid,
                    label=self.text(node, "label", node) or Text("", ""),
                    from_question=qid,
                    true_for=codes,
                    source=str(node.get("source") or ""),
                    computed=computed,
                )
            )
        return facts

    def rules(self, raw: _Node, checker: _ConditionChecker) -> list[Rule]:
        """Return the recommendations and warnings, validating their conditions."""
        rules: list[Rule] = []
        for kind, key in (("recommendation", "recommendations"), ("warning", "warnings")):
            for node in raw.get(key) or []:
                rid = str(node.get("id", ""))
                if any(r.id == rid for r in rules):
                    self.problem(node, f"duplicate rule id '{rid}'")
                priority = str(node.get("priority", "medium"))
                if priority not in PRIORITIES:
                    self.problem(node, f"rule '{rid}': priority must be one of {PRIORITIES}")
                when = checker.parse(node.get("when"), node, rid)
                escalate = node.get("escalate_when")
                self.check_placeholders(node, rid, checker.questions)
                rules.append(
                    Rule(
                        id=rid,
                        kind=kind,  # type: ignore[arg-type]
                        title=self.text(node, "title", node) or Text("", ""),
                        text=self.text(node, "text", node) or Text("", ""),
                        source=self.text(node, "source", node) or Text("", ""),
                        priority=priority,
                        when=when,
                        escalate_when=checker.parse(escalate, node, rid) if escalate else None,
                    )
                )
        return rules

    def check_placeholders(self, node: _Node, rid: str, questions: Mapping[str, Question]) -> None:
        """Record {placeholders} in a rule's texts that name nothing the engine can fill."""
        known = set(questions) | set(PARTNER_LISTS)
        for lang in LANGS:
            text = str((node.get("text") or {}).get(lang) or "")
            for _, name, _, _ in string.Formatter().parse(text):
                if name is not None and name not in known:
                    self.problem(node, f"rule '{rid}': unknown placeholder '{{{name}}}' ({lang})")


class _ConditionChecker:
    """Parses rule conditions and reports references that do not exist or cannot hold."""

    def __init__(
        self,
        builder: _Builder,
        questions: Mapping[str, Question],
        fact_ids: set[str],
        dim_ids: set[str],
        positioning_ids: list[str],
    ) -> None:
        self.b = builder
        self.questions = questions
        self.fact_ids = fact_ids
        self.dim_ids = dim_ids
        self.positioning_ids = positioning_ids

    def parse(self, node: Any, owner: Any, rid: str) -> Condition:
        """Return the condition tree of node; an unusable node becomes a never-true leaf."""
        if not isinstance(node, dict) or not node:
            self.b.problem(owner, f"rule '{rid}': missing or empty condition")
            return Condition(op="any")
        where = node if isinstance(node, _Node) else owner
        for op in ("all", "any"):
            if op in node:
                children = tuple(self.parse(c, where, rid) for c in node[op] or [])
                if not children:
                    self.b.problem(where, f"rule '{rid}': empty '{op}'")
                cond = Condition(op=op, children=children)
                if op == "all":
                    self.check_satisfiable(cond, where, rid)
                return cond
        if "not" in node:
            return Condition(op="not", children=(self.parse(node["not"], where, rid),))
        return self.leaf(node, where, rid)

    def leaf(self, node: dict[str, Any], where: Any, rid: str) -> Condition:
        """Return a leaf condition (answer, fact, score or dominant)."""
        if "answer" in node:
            return self.answer_leaf(node, where, rid)
        if "fact" in node:
            fid = str(node["fact"])
            if fid not in self.fact_ids:
                self.b.problem(where, f"rule '{rid}': unknown fact '{fid}'")
            return self.compare_leaf("fact", fid, node, where, rid)
        if "score" in node:
            sid = str(node["score"])
            if sid not in self.dim_ids:
                self.b.problem(where, f"rule '{rid}': unknown positioning or logic '{sid}'")
            return self.compare_leaf("score", sid, node, where, rid)
        if "dominant" in node:
            codes = tuple(str(c) for c in node["dominant"] or [])
            unknown = [c for c in codes if c not in self.positioning_ids]
            if unknown or not codes:
                self.b.problem(where, f"rule '{rid}': unknown dominant positioning {unknown}")
            return Condition(op="dominant", codes=codes)
        self.b.problem(where, f"rule '{rid}': unknown condition {sorted(node)}")
        return Condition(op="any")

    def answer_leaf(self, node: dict[str, Any], where: Any, rid: str) -> Condition:
        """Return an answer leaf, checking the question and its codes."""
        qid = str(node["answer"])
        question = self.questions.get(qid)
        if question is None:
            self.b.problem(where, f"rule '{rid}': unknown question '{qid}'")
            return Condition(op="any")
        if "answered" in node:
            return Condition(op="answer", target=qid, is_=bool(node["answered"]))
        if "gte" in node or "lte" in node:
            if question.type != "scale":
                self.b.problem(where, f"rule '{rid}': '{qid}' is not a scale")
            return self.compare_leaf("answer", qid, node, where, rid)
        negate = "not_in" in node
        codes = tuple(str(c) for c in (node.get("not_in") if negate else node.get("in")) or [])
        if not codes:
            self.b.problem(where, f"rule '{rid}': '{qid}' needs 'in' or 'not_in' codes")
        if question.type == "country_multi":
            self.b.problem(where, f"rule '{rid}': test partner facts, not '{qid}' codes")
        for code in codes:
            if question.option(code) is None:
                self.b.problem(where, f"rule '{rid}': unknown code '{code}' of '{qid}'")
        if (
            negate
            and question.required
            and question.type != "multi"
            and set(codes) >= set(question.codes)
        ):
            self.b.problem(where, f"rule '{rid}': excludes every answer of '{qid}'")
        return Condition(op="answer", target=qid, codes=codes, negate=negate)

    def compare_leaf(
        self, op: str, target: str, node: dict[str, Any], where: Any, rid: str
    ) -> Condition:
        """Return a numeric or boolean comparison leaf."""
        gte, lte, is_ = node.get("gte"), node.get("lte"), node.get("is")
        if gte is None and lte is None and is_ is None:
            self.b.problem(where, f"rule '{rid}': '{target}' needs 'gte', 'lte' or 'is'")
        if gte is not None and lte is not None and float(gte) > float(lte):
            self.b.problem(where, f"rule '{rid}': '{target}' can never be >= {gte} and <= {lte}")
        return Condition(
            op=op,
            target=target,
            gte=float(gte) if gte is not None else None,
            lte=float(lte) if lte is not None else None,
            is_=bool(is_) if is_ is not None else None,
        )

    def check_satisfiable(self, cond: Condition, where: Any, rid: str) -> None:
        """Record a problem when an 'all' asks incompatible answers of one single/scale question."""
        allowed: dict[str, set[str]] = {}
        for child in cond.children:
            if child.op != "answer" or child.is_ is not None:
                continue
            question = self.questions[child.target]
            if question.type not in ("single", "scale"):
                continue
            possible = set(question.codes)
            if child.codes:
                possible = possible - set(child.codes) if child.negate else set(child.codes)
            else:
                possible = {
                    c
                    for c in question.codes
                    if (child.gte is None or int(c) >= child.gte)
                    and (child.lte is None or int(c) <= child.lte)
                }
            allowed[child.target] = allowed.get(child.target, set(question.codes)) & possible
            if not allowed[child.target]:
                self.b.problem(
                    where,
                    f"rule '{rid}' can never fire: no answer of "
                    f"'{child.target}' meets all its conditions",
                )


# --- Public API -------------------------------------------------------------------------------


def versions(base: Path = QUESTIONS_DIR) -> list[str]:
    """Return the folder names of the questionnaire versions, oldest first."""
    return sorted(
        (p.name for p in base.iterdir() if p.is_dir() and p.name.startswith("v")),
        key=lambda name: int(name[1:]) if name[1:].isdigit() else 0,
    )


def check_folder(folder: Path) -> tuple[Questionnaire, list[str]]:
    """Return the questionnaire of folder and every problem found in it."""
    builder = _Builder(folder)
    questionnaire = builder.build()
    return questionnaire, builder.problems


def load_folder(folder: Path) -> Questionnaire:
    """Return the questionnaire of folder, or raise QuestionnaireError listing its problems."""
    questionnaire, problems = check_folder(folder)
    if problems:
        raise QuestionnaireError(problems)
    return questionnaire


@cache
def load_all(base: Path = QUESTIONS_DIR) -> dict[str, Questionnaire]:
    """Return every valid questionnaire version by its version string (loaded once)."""
    loaded = [load_folder(base / name) for name in versions(base)]
    return {q.version: q for q in loaded}


def current(base: Path = QUESTIONS_DIR) -> Questionnaire:
    """Return the newest questionnaire version."""
    return list(load_all(base).values())[-1]


def get(version: str, base: Path = QUESTIONS_DIR) -> Questionnaire | None:
    """Return the questionnaire of this version, if it exists."""
    return load_all(base).get(version)


def init_app(app: Any) -> None:
    """Load and validate the questionnaires at start-up.

    A broken file is logged and every page then answers 503, while ``flask questions check``
    (which needs the application to start) can still list the problems.
    """
    try:
        load_all()
    except QuestionnaireError as exc:
        app.logger.error("Invalid questionnaire files:\n%s", exc)
        from app.startup import refuse_requests

        refuse_requests(app, "questionnaire")
