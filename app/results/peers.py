"""The peer benchmark of the result page, read from the published statistics snapshot.

The respondent's own scores are shown exactly (they are theirs); the peers' figures are those
the snapshot released with differential privacy (noisy means with their margins), for the
collectivity type, else the population band, whose noisy count reaches k. They change only with
the next snapshot, so reloading the page, before or after anybody shares, tells nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app import questionnaire as qn
from app.models import Diagnostic, Result
from app.questionnaire import LANGS, Text
from app.stats.release import POSITIONINGS, Estimate, Release

PEER_BASES = ("collectivity_type", "population")


@dataclass(frozen=True)
class PeerScore:
    """One positioning: the respondent's exact score and the peers' noisy mean."""

    id: str
    label: dict[str, str]
    own: float
    mean: Estimate


def _both(text: Text) -> dict[str, str]:
    """Return a questionnaire text in every language, for templates to pick from."""
    return {lang: text.get(lang) for lang in LANGS}


def _own(result: Result) -> tuple[float, ...]:
    """Return the respondent's positioning scores from their result."""
    return tuple(float(getattr(result, f"score_{p}")) for p in POSITIONINGS)


def peer_benchmark(
    release: Release, diagnostic: Diagnostic, result: Result, k: int
) -> dict[str, Any] | None:
    """Return the comparison with similar authorities, None when no peer cell reaches k.

    The dict holds ``basis`` ("collectivity_type" or "population"), ``value`` (its code),
    ``value_label``, ``n`` (the noisy number of peers), ``k`` and ``positionings`` (PeerScore).
    """
    questionnaire = qn.get(diagnostic.questionnaire_version) or qn.current()
    own = _own(result)
    for basis in PEER_BASES:
        value = getattr(diagnostic, basis)
        cell = release.cell(basis, str(value)) if value else None
        if cell is None or cell.n.below(k):
            continue
        option = questionnaire.questions[basis].option(value)
        return {
            "basis": basis,
            "value": value,
            "value_label": _both(option.label) if option else {"fr": value, "en": value},
            "n": cell.n,
            "k": k,
            "positionings": [
                PeerScore(p, _both(questionnaire.dimension(p).label), own[i], cell.mean(p))
                for i, p in enumerate(POSITIONINGS)
            ],
        }
    return None
