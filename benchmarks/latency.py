"""Benchmark: cold CLI processes, as a new user starts them.

    python benchmarks/latency.py [--runs 5] [--base DIR]

Each row is a fresh ``python -m lanthanide.cli ...`` process (the median of
``--runs``), timed for wall clock and for CPU (user + sys of the child,
which a loaded machine disturbs less than wall time). Baselines measured in
the same run: ``python -c pass`` and ``python -c "import lanthanide"``, and,
with ``--base DIR`` (a checkout of an earlier commit, e.g. ``git worktree
add /tmp/base 5d35733``), the same commands on that tree. ``classify`` is
timed with an empty cache (the first run after clearing it: the index is
built and stored) and with the cache filled; ``check`` with the cache
filled (each cold-cache row clears the cache before every run). Every run
uses its own temporary ``LANTHANIDE_CACHE_DIR``, never the user's.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

COMMANDS: list[tuple[str, list[str], bool]] = [
    # (label, arguments of `python`, clear the cache before each run)
    ("python -c pass", ["-c", "pass"], False),
    ("import lanthanide", ["-c", "import lanthanide"], False),
    ("lanthanide --help", ["-m", "lanthanide.cli", "--help"], False),
    (
        "check --hs 2853909026 --to KR --on 2025-06-01",
        ["-m", "lanthanide.cli", "check", "--hs", "2853909026", "--to", "KR", "--on", "2025-06-01"],
        False,
    ),
    (
        "classify 'gallium arsenide wafers' (cache empty)",
        ["-m", "lanthanide.cli", "classify", "gallium arsenide wafers"],
        True,
    ),
    (
        "classify 'gallium arsenide wafers' (cache filled)",
        ["-m", "lanthanide.cli", "classify", "gallium arsenide wafers"],
        False,
    ),
]


def run_once(tree: Path, args: list[str], cache: Path) -> tuple[float, float]:
    """Wall and CPU (user+sys) seconds of one child process."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "LANTHANIDE_CACHE_DIR": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([PY, *args], env=env, cwd=tree, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(tree: Path, args: list[str], clear: bool, runs: int) -> tuple[float, float]:
    cache = Path(tempfile.mkdtemp(prefix="lanthanide-bench-cache-"))
    try:
        run_once(tree, args, cache)  # warm the OS file cache (and fill ours)
        walls, cpus = [], []
        for _ in range(runs):
            if clear:
                shutil.rmtree(cache, ignore_errors=True)
                cache.mkdir()
            w, c = run_once(tree, args, cache)
            walls.append(w)
            cpus.append(c)
        return statistics.median(walls), statistics.median(cpus)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--base", type=Path, help="an earlier checkout to compare with")
    a = ap.parse_args()
    trees = [("this tree", ROOT)] + ([("base", a.base.resolve())] if a.base else [])
    rows: list[tuple[str, str, float, float]] = []
    for label, args, clear in COMMANDS:
        for name, tree in trees:
            wall, cpu = measure(tree, args, clear, a.runs)
            rows.append((label, name, wall, cpu))
            print(f"  measured {label} on {name}", file=sys.stderr)
    py_wall = next(w for lab, n, w, _ in rows if lab == "python -c pass" and n == "this tree")
    base = {lab: (w, c) for lab, n, w, c in rows if n == "base"}
    print(f"\nload average: {os.getloadavg()[0]:.1f} (median of {a.runs} cold processes)\n")
    head = f"{'command':<52} {'tree':<10} {'wall s':>7} {'cpu s':>7} {'- python':>9}"
    if base:
        head += f" {'wall/base':>10} {'cpu/base':>9}"
    print(head)
    print("-" * len(head))
    for lab, name, wall, cpu in rows:
        line = f"{lab:<52} {name:<10} {wall:7.3f} {cpu:7.3f} {wall - py_wall:9.3f}"
        if base and name == "this tree" and lab in base:
            bw, bc = base[lab]
            line += f" {wall / bw:10.2f} {cpu / bc:9.2f}"
        print(line)


if __name__ == "__main__":
    main()
