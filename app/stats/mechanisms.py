"""Differentially private noise from OpenDP: the only place where released figures get noise.

Counts use OpenDP's discrete Laplace mechanism on integer vectors, sums its continuous Laplace
mechanism on float vectors; both draw from OpenDP's cryptographically secure samplers, and the
privacy loss of each release is asked of OpenDP (``map``), never assumed. Nothing here is seeded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import opendp.prelude as dp

dp.enable_features("contrib")

CONFIDENCE = 0.95  # the margins shown are half-widths of 95 % intervals


def _laplace(kind: type, scale: float) -> Any:
    """Return OpenDP's (discrete if kind is int) Laplace mechanism on vectors of kind."""
    atom = dp.atom_domain(T=kind) if kind is int else dp.atom_domain(T=kind, nan=False)
    return dp.m.make_laplace(dp.vector_domain(atom), dp.l1_distance(T=kind), scale=scale)


class BudgetError(RuntimeError):
    """A mechanism would spend more privacy budget than it was given."""


def _check(loss: float, epsilon: float) -> None:
    """Refuse a release whose privacy loss, as OpenDP accounts it, exceeds its budget."""
    if loss > epsilon * (1 + 1e-9):
        raise BudgetError(f"privacy loss {loss} exceeds the budget {epsilon}")


def noisy_counts(counts: Sequence[int], epsilon: float, sensitivity: int = 1) -> list[int]:
    """Return counts with discrete Laplace noise, epsilon-DP when one person moves the vector by
    at most sensitivity in L1 norm (a histogram where each person falls in one bin: 1).
    """
    scale = sensitivity / epsilon
    mechanism = _laplace(int, scale)
    _check(mechanism.map(sensitivity), epsilon)
    return [int(x) for x in mechanism([int(c) for c in counts])]


def noisy_sums(sums: Sequence[float], epsilon: float, sensitivity: float) -> list[float]:
    """Return float sums with Laplace noise, epsilon-DP for an L1 sensitivity of sensitivity."""
    scale = sensitivity / epsilon
    mechanism = _laplace(float, scale)
    _check(mechanism.map(float(sensitivity)), epsilon)
    return [float(x) for x in mechanism([float(s) for s in sums])]


def scale_of(epsilon: float, sensitivity: float) -> float:
    """Return the Laplace scale that gives epsilon for a sensitivity."""
    return sensitivity / epsilon


def margin(scales: Sequence[float]) -> float:
    """Return the 95 % half-width of a sum of independent Laplace noises of these scales.

    One noise: exactly b·ln(1/0.05) (P(|X| > t) = exp(−t/b)). Several: the normal
    approximation 1.96·√(Σ 2b²), since a sum of Laplace noises is close to Gaussian.
    """
    if not scales:
        return 0.0
    if len(scales) == 1:
        return scales[0] * math.log(1 / (1 - CONFIDENCE))
    return 1.959964 * math.sqrt(sum(2 * b * b for b in scales))
