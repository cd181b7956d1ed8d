"""Benchmarks, run with ``make bench`` (``python -m bench [module …]``); each module has ``main()``.

Every benchmark talks only to 127.0.0.1 and prints Markdown, with a PASS or FAIL line per target
(``verdict``) and the machine's load (``describe_load``); ``python -m bench`` also writes the
whole report to ``bench/results/latest.md`` (not versioned).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
LATEST = RESULTS_DIR / "latest.md"


class Tee(io.TextIOBase):
    """A text stream writing to several streams at once."""

    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


@contextmanager
def recorded(path: Path = LATEST) -> Iterator[None]:
    """Copy everything printed inside the block to path (created with its folder)."""
    buffer = io.StringIO()
    original = sys.stdout
    sys.stdout = Tee(original, buffer)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout = original
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(buffer.getvalue(), encoding="utf-8")


def cores() -> int:
    """Return the number of cores this process may run on (what ``nproc`` prints)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def machine_load() -> tuple[float, float, float]:
    """Return the load averages over 1, 5 and 15 minutes."""
    return os.getloadavg()


def describe_load(load: tuple[float, float, float] | None = None) -> str:
    """Return « 1.52 / 1.10 / 0.80 (1, 5, 15 min) on 2 cores » (now, unless load is given)."""
    one, five, fifteen = load if load is not None else machine_load()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1, 5, 15 min) on {cores()} cores"


def verdict(holds: bool, what: str) -> bool:
    """Print a PASS or FAIL line for a target; return whether it holds."""
    print(f"{'PASS' if holds else 'FAIL'}  {what}")
    return holds
