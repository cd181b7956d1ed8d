"""The journey benchmark's verdicts: what its PASS and FAIL lines say about a run."""

from __future__ import annotations

from bench.bench_journey import Journey, Load, request_kind

IDLE = (0.5, 0.4, 0.3)


def _load(latencies_ms: list[float], *, lost: int = 0, completed: bool = True) -> Load:
    """Return a run of one respondent whose requests took these times (all step pages)."""
    journey = Journey(
        token="t",
        completed=completed,
        latencies=[ms / 1000 for ms in latencies_ms],
        kinds=["step page"] * len(latencies_ms),
    )
    return Load("SQLite", 1, 1, [journey], 1.0, IDLE, IDLE, p95_target_ms=300.0, lost=lost)


def test_a_p95_under_the_target_passes_and_one_over_it_fails() -> None:
    fast = _load([100.0] * 95 + [250.0] * 5)
    assert [holds for holds, _what in fast.verdicts()] == [True, True, True]
    slow = _load([100.0] * 90 + [400.0] * 10)
    holds, what = slow.verdicts()[-1]
    assert not holds
    assert "p95 under 300 ms" in what
    assert "(400 ms)" in what


def test_a_lost_answer_or_an_unfinished_journey_fails() -> None:
    lost = _load([10.0], lost=1)
    assert [holds for holds, _what in lost.verdicts()] == [True, False, True]
    unfinished = _load([10.0], completed=False)
    assert [holds for holds, _what in unfinished.verdicts()] == [False, True, True]


def test_requests_are_told_apart_by_kind() -> None:
    step = "/diagnostic/abc/etape/budget"
    assert request_kind("GET", "/", None) == "landing page"
    assert request_kind("POST", "/diagnostic/commencer", []) == "start"
    assert request_kind("GET", step, None) == "step page"
    assert request_kind("POST", step, [("nav", "next")]) == "step saved"
    assert request_kind("POST", step, [("nav", "finish")]) == "finish"
    assert request_kind("GET", "/resultat/abc", None) == "result page"
