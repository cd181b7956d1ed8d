"""The condition language of rules, skip logic and constraints: parse, evaluate, explain.

A condition is ``all`` / ``any`` / ``not``; ``answer`` (question id) with ``in`` / ``not_in``
codes, ``gte`` / ``lte`` (ordered types) or ``answered``; ``fact`` with ``is`` / ``gte`` /
``lte``; ``score`` (positioning or logic) with ``gte`` / ``lte``; ``dominant`` (positionings);
``repeat`` (a repeat section) with ``count`` or ``share`` (``{gte, lte}``, over the items meeting
``where`` if given), ``any`` or ``all`` (a condition over one item's answers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from app.core.model import Answers, Condition, Question, Questionnaire, Section
from app.core.partners import Country

if TYPE_CHECKING:
    from app.core.loader import Problems

NBSP = "\u00a0"
# How a strict questionnaire words a negated condition (« not », « not_in », unanswered).
NOT_GIVEN = {"fr": "vous n'avez pas indiqué", "en": "you did not indicate"}
AGGREGATES = ("count", "share", "any", "all")


# --- Parsing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a condition may name: questions, facts, dimensions, repeat sections."""

    questions: Mapping[str, Question]
    fact_ids: frozenset[str]
    dim_ids: frozenset[str]
    positioning_ids: tuple[str, ...]
    repeats: Mapping[str, Section]
    # Scores and the dominant positioning exist only once answers are scored (rules).
    results: bool = True
    # Inside a repeat (a 'repeat' node, or a question of the repeat): its section id.
    item_of: str | None = None


def _line(node: Any, default: int) -> int:
    """Return the line a YAML node starts on, else default."""
    return int(getattr(node, "line", 0) or default)


@dataclass
class ConditionParser:
    """Parses condition trees, recording names that do not exist or cannot hold."""

    problems: Problems
    scope: Scope
    who: str
    line: int = 0
    _stack: list[int] = field(default_factory=list)

    def problem(self, node: Any, message: str) -> None:
        """Record a problem at the node's line (the owner's when the node has none)."""
        self.problems.add(_line(node, self.line), f"{self.who}\u00a0: {message}")

    def parse(self, node: Any) -> Condition:
        """Return the condition tree of node; an unusable node becomes a never-true leaf."""
        if not isinstance(node, dict) or not node:
            self.problem(node, "condition absente ou vide")
            return Condition(op="any")
        line = _line(node, self.line)
        if "repeat" in node:
            return self.repeat(node, line)
        for op in ("all", "any"):
            if op in node:
                children = tuple(self.parse(c) for c in node[op] or [])
                if not children:
                    self.problem(node, f"«\u00a0{op}\u00a0» vide")
                cond = Condition(op=op, children=children, line=line)
                if op == "all":
                    self.check_satisfiable(cond, node)
                return cond
        if "not" in node:
            return Condition(op="not", children=(self.parse(node["not"]),), line=line)
        return self.leaf(node, line)

    def leaf(self, node: dict[str, Any], line: int) -> Condition:
        """Return a leaf condition (answer, fact, score or dominant)."""
        if "answer" in node:
            return self.answer_leaf(node, line)
        if "fact" in node:
            fid = node["fact"]
            if str(fid) not in self.scope.fact_ids:
                self.problem(fid, f"fait inconnu «\u00a0{fid}\u00a0»")
            return self.compare_leaf("fact", str(fid), node, line)
        if ("score" in node or "dominant" in node) and not self.scope.results:
            self.problem(node, "les scores ne sont connus qu'après le calcul (règles seulement)")
        if "score" in node:
            sid = node["score"]
            if str(sid) not in self.scope.dim_ids:
                self.problem(sid, f"positionnement ou logique inconnu «\u00a0{sid}\u00a0»")
            return self.compare_leaf("score", str(sid), node, line)
        if "dominant" in node:
            codes = tuple(str(c) for c in node["dominant"] or [])
            for code in node["dominant"] or []:
                if str(code) not in self.scope.positioning_ids:
                    self.problem(code, f"positionnement dominant inconnu «\u00a0{code}\u00a0»")
            if not codes:
                self.problem(node, "«\u00a0dominant\u00a0» sans positionnement")
            return Condition(op="dominant", codes=codes, line=line)
        self.problem(node, f"condition inconnue {sorted(node)}")
        return Condition(op="any")

    def repeat(self, node: dict[str, Any], line: int) -> Condition:
        """Return an aggregate over the items of a repeat section."""
        rid = node["repeat"]
        if str(rid) not in self.scope.repeats:
            self.problem(rid, f"bloc répété inconnu «\u00a0{rid}\u00a0»")
            return Condition(op="any")
        aggs = [a for a in AGGREGATES if a in node]
        if len(aggs) != 1:
            self.problem(node, f"«\u00a0repeat\u00a0» demande un seul de {AGGREGATES}")
            return Condition(op="any")
        agg = aggs[0]
        inner = ConditionParser(
            self.problems, replace(self.scope, item_of=str(rid)), self.who, line
        )
        where = node.get("where") if agg in ("count", "share") else node[agg]
        children = (inner.parse(where),) if where is not None else ()
        if agg in ("count", "share"):
            bounds = node[agg] if isinstance(node[agg], dict) else {}
            compare = self.compare_leaf("repeat", str(rid), bounds, line)
            return replace(compare, agg=agg, children=children)
        return Condition(op="repeat", target=str(rid), agg=agg, children=children, line=line)

    def answer_leaf(self, node: dict[str, Any], line: int) -> Condition:
        """Return an answer leaf, checking the question, its codes and its repeat."""
        qid = node["answer"]
        question = self.scope.questions.get(str(qid))
        if question is None:
            self.problem(qid, f"question inconnue «\u00a0{qid}\u00a0»")
            return Condition(op="any")
        if question.repeat is not None and question.repeat != self.scope.item_of:
            self.problem(
                qid,
                f"«\u00a0{qid}\u00a0» est un champ du bloc répété «\u00a0{question.repeat}\u00a0»"
                "\u00a0: lisez-le dans une condition «\u00a0repeat\u00a0» sur ce bloc",
            )
        kind = question.kind
        if "answered" in node:
            return Condition(op="answer", target=str(qid), is_=bool(node["answered"]), line=line)
        if "gte" in node or "lte" in node:
            if not kind.ordered:
                self.problem(node, f"«\u00a0{qid}\u00a0» n'est pas une échelle")
            return self.compare_leaf("answer", str(qid), node, line)
        negate = "not_in" in node
        raw_codes = (node.get("not_in") if negate else node.get("in")) or []
        codes = tuple(str(c) for c in raw_codes)
        if not codes:
            self.problem(
                node,
                f"«\u00a0{qid}\u00a0» demande des codes «\u00a0in\u00a0» ou «\u00a0not_in\u00a0»",
            )
        if not kind.coded:
            self.problem(
                node, f"testez les faits des partenaires, pas les codes de «\u00a0{qid}\u00a0»"
            )
        for code in raw_codes:
            if kind.coded and question.option(str(code)) is None:
                self.problem(code, f"code inconnu «\u00a0{code}\u00a0» de «\u00a0{qid}\u00a0»")
        if (
            negate
            and question.required
            and kind.single_valued
            and set(codes) >= set(question.codes)
        ):
            self.problem(node, f"exclut toutes les réponses de «\u00a0{qid}\u00a0»")
        return Condition(op="answer", target=str(qid), codes=codes, negate=negate, line=line)

    def compare_leaf(self, op: str, target: str, node: dict[str, Any], line: int) -> Condition:
        """Return a numeric or boolean comparison leaf."""
        gte, lte, is_ = node.get("gte"), node.get("lte"), node.get("is")
        if gte is None and lte is None and is_ is None:
            self.problem(
                node,
                f"«\u00a0{target}\u00a0» demande «\u00a0gte\u00a0», «\u00a0lte\u00a0» "
                "ou «\u00a0is\u00a0»",
            )
        if gte is not None and lte is not None and float(gte) > float(lte):
            self.problem(node, f"«\u00a0{target}\u00a0» ne peut jamais être ≥ {gte} et ≤ {lte}")
        return Condition(
            op=op,
            target=target,
            gte=float(gte) if gte is not None else None,
            lte=float(lte) if lte is not None else None,
            is_=bool(is_) if is_ is not None else None,
            line=line,
        )

    def check_satisfiable(self, cond: Condition, node: Any) -> None:
        """Record an 'all' that asks incompatible answers of one single-valued question."""
        allowed: dict[str, set[str]] = {}
        for child in cond.children:
            if child.op != "answer" or child.is_ is not None:
                continue
            question = self.scope.questions[child.target]
            if not question.kind.single_valued:
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
                self.problem(
                    child,
                    "ne peut jamais être vraie\u00a0: aucune réponse à "
                    f"«\u00a0{child.target}\u00a0» "
                    "ne remplit toutes ses conditions",
                )


# --- Evaluating -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Env:
    """What conditions are evaluated against: answers, facts and, once scored, the scores."""

    questionnaire: Questionnaire
    answers: Answers
    facts: Mapping[str, float | bool]
    scores: Mapping[str, float] = field(default_factory=dict)
    dominant: str | None = None
    partners: Sequence[Country] = ()

    def items(self, repeat_id: str) -> list[Mapping[str, Any]]:
        """Return the answers of each item of a repeat section."""
        value = self.answers.get(repeat_id)
        return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []

    def inside(self, item: Mapping[str, Any]) -> Env:
        """Return the environment of one item: its answers over the diagnostic's."""
        return replace(self, answers={**self.answers, **item})


def answered(value: Any) -> bool:
    """Return whether a stored value is an answer."""
    return value not in (None, "", [])


def compare(value: float | bool | None, cond: Condition) -> bool:
    """Return whether a numeric or boolean value meets a leaf's comparison."""
    if value is None:
        return False
    if cond.is_ is not None:
        return bool(value) == cond.is_
    if cond.gte is not None and float(value) < cond.gte:
        return False
    return not (cond.lte is not None and float(value) > cond.lte)


def holds(cond: Condition, env: Env) -> bool:
    """Return whether the condition holds in env."""
    if cond.op == "all":
        return all(holds(c, env) for c in cond.children)
    if cond.op == "any":
        return any(holds(c, env) for c in cond.children)
    if cond.op == "not":
        return not holds(cond.children[0], env)
    if cond.op == "answer":
        return _answer_holds(cond, env)
    if cond.op == "repeat":
        return _repeat_holds(cond, env)
    if cond.op == "dominant":
        return env.dominant in cond.codes
    value = env.facts.get(cond.target) if cond.op == "fact" else None
    if cond.op == "score":
        value = env.scores.get(cond.target)
    return compare(value, cond)


def matching_items(cond: Condition, env: Env) -> list[int]:
    """Return the indexes of the items of a repeat condition that meet its inner condition."""
    items = env.items(cond.target)
    if not cond.children:
        return list(range(len(items)))
    return [i for i, item in enumerate(items) if holds(cond.children[0], env.inside(item))]


def _repeat_holds(cond: Condition, env: Env) -> bool:
    """Return whether an aggregate over a repeat section's items holds."""
    total = len(env.items(cond.target))
    hits = len(matching_items(cond, env))
    if cond.agg == "count":
        return compare(float(hits), cond)
    if cond.agg == "share":
        return compare(hits / total if total else 0.0, cond)
    if cond.agg == "any":
        return hits > 0
    return total > 0 and hits == total


def _answer_holds(cond: Condition, env: Env) -> bool:
    """Return whether an answer leaf holds."""
    value = env.answers.get(cond.target)
    if cond.is_ is not None:
        return answered(value) == cond.is_
    if cond.gte is not None or cond.lte is not None:
        return value is not None and compare(int(value), cond)  # type: ignore[arg-type]
    selected = set(value) if isinstance(value, list) else {str(value)} if value else set()
    hit = bool(selected & set(cond.codes))
    return not hit if cond.negate else hit


# --- Explaining -------------------------------------------------------------------------------


class Explainer:
    """Words the answers, facts and scores that make a condition true, in one language."""

    def __init__(self, env: Env, lang: str) -> None:
        self.env = env
        self.q = env.questionnaire
        self.lang = lang
        self.colon = f"{NBSP}: " if lang == "fr" else ": "
        # The partner countries as scoring classified them (named without classifying again).
        self.classified = {c.code: c for c in env.partners}

    def reasons(self, cond: Condition) -> list[str]:
        """Return the reasons, in words, that make a holding condition true."""
        if cond.op == "all":
            return [r for c in cond.children for r in self.reasons(c)]
        if cond.op == "any":
            return [r for c in cond.children if holds(c, self.env) for r in self.reasons(c)]
        if cond.op == "not":
            if self.q.strict:
                return self.negated(cond.children[0])
            leaves = cond.leaves()
            return [self.describe_answer(leaf.target) for leaf in leaves if leaf.op == "answer"]
        if cond.op == "answer":
            if self.q.strict and (cond.negate or cond.is_ is False):
                return [self.not_given(cond.target, cond.codes)]
            if cond.codes and not cond.negate:
                return [self.describe_answer(cond.target, only=cond.codes)]
            return [self.describe_answer(cond.target)]
        if cond.op == "repeat":
            return self.describe_items(cond)
        if cond.op == "fact":
            return [self.describe_fact(cond.target)]
        if cond.op == "dominant":
            label = self.q.value_labels["dominant"].get(self.lang)
            name = self.q.dimension(str(self.env.dominant)).label.get(self.lang)
            return [f"{label}{self.colon}{name}"]
        dimension = self.q.dimension(cond.target)
        value = self.env.scores[cond.target]
        return [f"{dimension.label.get(self.lang)}{self.colon}{value:g}/100"]

    def not_given(self, qid: str, codes: Sequence[str]) -> str:
        """Return « vous n'avez pas indiqué : acteurs associés : entreprises, CCI »."""
        question = self.q.questions[qid]
        short = question.short.get(self.lang)
        labels = question.kind.reason_labels(
            question, codes, self.lang, self.q.value_labels, self.classified
        )
        what = f"{short}{self.colon}{', '.join(labels)}" if labels else short
        return f"{NOT_GIVEN[self.lang]}{self.colon}{what}"

    def negated(self, cond: Condition) -> list[str]:
        """Return the reasons of a ``not`` in words: what the respondent did not indicate."""
        if cond.op == "answer" and cond.codes and not cond.negate:
            return [self.not_given(cond.target, cond.codes)]
        if cond.op == "answer" and cond.is_ is True:
            return [self.not_given(cond.target, ())]
        if cond.op in ("any", "all") and all(
            c.op == "answer" and c.codes and not c.negate for c in cond.children
        ):
            # Under « not », an « all » fails on some children, an « any » on every one.
            return [
                self.not_given(c.target, c.codes) for c in cond.children if not holds(c, self.env)
            ]
        leaves = [leaf for leaf in cond.leaves() if leaf.op == "answer"]
        return [self.describe_answer(leaf.target) for leaf in leaves]

    def describe_items(self, cond: Condition) -> list[str]:
        """Return each item that makes a repeat condition true, named (« Partenariat 2 »)."""
        section = self.q.repeats[cond.target]
        assert section.repeat is not None  # noqa: S101 - repeats holds repeat sections only
        hits = matching_items(cond, self.env)
        if not cond.children:
            return [f"{section.title.get(self.lang)}{self.colon}{len(hits)}"]
        reasons = []
        items = self.env.items(cond.target)
        for i in hits:
            inner = Explainer(self.env.inside(items[i]), self.lang)
            name = section.repeat.item_name(i, self.lang)
            reasons += [f"{name}{self.colon}{r}" for r in inner.reasons(cond.children[0])]
        return reasons

    def answer_label(self, qid: str, only: Sequence[str] = ()) -> str:
        """Return the label of the respondent's answer to a question."""
        labels = self.answer_labels(qid, only)
        return ", ".join(labels) or self.q.value_labels["none_selected"].get(self.lang)

    def answer_labels(self, qid: str, only: Sequence[str] = ()) -> list[str]:
        """Return the label of each code of the respondent's answer (``only`` those codes)."""
        question = self.q.questions[qid]
        value = self.env.answers.get(qid)
        codes = [str(c) for c in value] if isinstance(value, list) else []
        if value is not None and not isinstance(value, list):
            codes = [str(value)]
        if only:
            codes = [c for c in codes if c in only]
        return question.kind.reason_labels(
            question, codes, self.lang, self.q.value_labels, self.classified
        )

    def describe_answer(self, qid: str, only: Sequence[str] = ()) -> str:
        """Return "short label : answer" for a question."""
        short = self.q.questions[qid].short.get(self.lang)
        return f"{short}{self.colon}{self.answer_label(qid, only)}"

    def describe_fact(self, fid: str) -> str:
        """Return "fact label : value" for a derived or partner fact."""
        from app.core.scoring import in_partner_fact

        fact = next(f for f in self.q.facts if f.id == fid)
        label = fact.label.get(self.lang)
        value = self.env.facts.get(fid)
        if isinstance(value, bool):
            yes_no = self.q.value_labels["yes" if value else "no"].get(self.lang)
            source = self.answer_label(fact.from_question)
            return f"{label}{self.colon}{yes_no} ({source})"
        if fid == "partner_count":
            return f"{label}{self.colon}{int(value or 0)}"
        members = [c.name(self.lang) for c in self.env.partners if in_partner_fact(fid, c)]
        none = self.q.value_labels["none_selected"].get(self.lang)
        total = len(self.env.partners)
        suffix = f" ({len(members)}/{total})" if total else ""
        return f"{label}{self.colon}{', '.join(members) or none}{suffix}"
