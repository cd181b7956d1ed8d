"""Benchmarks, run with ``make bench`` (``python -m bench [module …]``); each module has ``main()``.

Every benchmark talks only to 127.0.0.1 and prints Markdown; ``python -m bench`` also writes the
whole report to ``bench/results/latest.md`` (not versioned).
"""

from __future__ import annotations

import io
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
