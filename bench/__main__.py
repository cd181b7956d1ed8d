"""Run the benchmarks: every ``bench/bench_*.py`` module's ``main()`` in name order, or only the
modules named on the command line (``python -m bench journey charts`` or ``bench_journey``).

Prints Markdown and writes the same report to ``bench/results/latest.md``. The exit status is 1
when a benchmark failed or reported a missed target.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from datetime import UTC, datetime

from bench import ROOT, describe_load, recorded


def available() -> list[str]:
    """Return the names of the benchmark modules, in order."""
    return sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))


def selected(args: list[str]) -> list[str]:
    """Return the modules named by args (with or without the ``bench_`` prefix), or all."""
    names = available()
    if not args:
        return names
    chosen = []
    for arg in args:
        name = arg if arg.startswith("bench_") else f"bench_{arg}"
        if name not in names:
            sys.exit(f"unknown benchmark {arg!r}; available: {', '.join(names)}")
        chosen.append(name)
    return chosen


def run(name: str) -> bool:
    """Run one benchmark module's main(); return whether it succeeded."""
    print(f"## {name}\n", flush=True)
    started = time.monotonic()
    ok = True
    try:
        importlib.import_module(f"bench.{name}").main()
    except SystemExit as exc:
        ok = exc.code in (None, 0)
    except Exception:  # noqa: BLE001  (report it and go on with the next benchmark)
        traceback.print_exc(file=sys.stdout)
        ok = False
    status = "" if ok else ", **failed**"
    print(
        f"\n_{name}: {time.monotonic() - started:.0f} s{status}; load now {describe_load()}_\n",
        flush=True,
    )
    return ok


def main() -> None:
    """Run the selected benchmarks and record their report."""
    names = selected(sys.argv[1:])
    with recorded():
        print(f"# Benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
        print(f"Machine load at the start: {describe_load()}\n")
        results = [run(name) for name in names]
        print(f"Machine load at the end: {describe_load()}")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
