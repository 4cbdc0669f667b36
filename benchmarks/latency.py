"""Benchmark: cold CLI processes, as a new user starts them.

    python benchmarks/latency.py [--runs 5] [--base DIR]

Each row is a fresh ``python -m lanthanide.cli ...`` process (the median of
``--runs``), timed for wall clock and for CPU (user + sys of the child,
which a loaded machine disturbs less than wall time). Baselines measured in
the same run: ``python -c pass`` and ``python -c "import lanthanide"``, and,
with ``--base DIR`` (a checkout of an earlier commit, e.g. ``git worktree
add /tmp/base d48c17f`` or ``git archive d48c17f src | tar -x -C
/tmp/base``), the same commands on that tree, run alternately with this
tree's (run 1 here, run 1 there, run 2 here ...) so that a change in the
machine's load falls on both alike.

``check`` and ``classify`` are timed with an empty cache (cleared before
every run: the rulebook is parsed and validated, the index built, and both
stored) and with the cache filled (a run before the timed ones fills it).
Every command uses its own temporary ``LANTHANIDE_CACHE_DIR``, never the
user's. Python's bytecode is written to a temporary ``PYTHONPYCACHEPREFIX``
per tree by the untimed first run (``PYTHONDONTWRITEBYTECODE`` is removed
from the children's environment), as for an installed package, whose
modules pip compiles: a process that compiles every module it imports is
not what a user starts.

``--instructions``: each command also runs once under Valgrind
(``cachegrind``, no cache simulation) and the table shows the instructions
it executed, in millions: a count the machine's load does not change, for
comparing trees on a busy machine (about 2,000 million instructions take
one second on a 2020s core).
"""

from __future__ import annotations

import argparse
import os
import re
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

CLI = ["-m", "lanthanide.cli"]
VALGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
CHECK = [*CLI, "check", "--hs", "2853909026", "--to", "KR", "--on", "2025-06-01"]
CLASSIFY = [*CLI, "classify", "gallium arsenide wafers"]
CLASSIFY_ZH = [*CLI, "classify", "氧化镝"]

COMMANDS: list[tuple[str, list[str], bool, float | None]] = [
    # (label, arguments of `python`, clear the cache before each run, goal in s)
    ("python -c pass", ["-c", "pass"], False, None),
    ("import lanthanide", ["-c", "import lanthanide"], False, None),
    ("lanthanide --help", [*CLI, "--help"], False, 0.3),
    ("check --hs 2853909026 --to KR (cache empty)", CHECK, True, None),
    ("check --hs 2853909026 --to KR (cache filled)", CHECK, False, 0.8),
    ("classify 'gallium arsenide wafers' (cache empty)", CLASSIFY, True, None),
    ("classify 'gallium arsenide wafers' (cache filled)", CLASSIFY, False, 1.0),
    ("check ... --format json (cache filled)", [*CHECK, "--format", "json"], False, 0.8),
    ("classify '氧化镝' (cache filled)", CLASSIFY_ZH, False, 1.0),
]


def _env(tree: Path, cache: Path, pyc: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        PYTHONPATH=str(tree / "src"),
        LANTHANIDE_CACHE_DIR=str(cache),
        PYTHONPYCACHEPREFIX=str(pyc),
    )
    return env


def instructions(tree: Path, args: list[str], cache: Path, pyc: Path) -> float:
    """Millions of instructions one child process executes (Valgrind)."""
    proc = subprocess.run(
        [*VALGRIND, PY, *args],
        env=_env(tree, cache, pyc),
        cwd=tree,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind: {proc.stderr[-500:]}")
    return int(found.group(1).replace(",", "")) / 1e6


def run_once(tree: Path, args: list[str], cache: Path, pyc: Path) -> tuple[float, float]:
    """Wall and CPU (user+sys) seconds of one child process."""
    env = _env(tree, cache, pyc)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([PY, *args], env=env, cwd=tree, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(
    trees: list[tuple[str, Path]],
    args: list[str],
    clear: bool,
    runs: int,
    scratch: Path,
    count: bool = False,
) -> dict[str, tuple[float, float, float | None]]:
    """Median wall and CPU per tree, the trees' runs interleaved, and the
    instructions of one more run when ``count``."""
    caches = {name: Path(tempfile.mkdtemp(prefix="cache-", dir=scratch)) for name, _ in trees}
    pycs = {name: scratch / f"pyc-{i}" for i, (name, _) in enumerate(trees)}
    for name, tree in trees:
        run_once(tree, args, caches[name], pycs[name])  # bytecode, OS file cache, our cache
    walls: dict[str, list[float]] = {name: [] for name, _ in trees}
    cpus: dict[str, list[float]] = {name: [] for name, _ in trees}
    for _ in range(runs):
        for name, tree in trees:
            if clear:
                shutil.rmtree(caches[name], ignore_errors=True)
                caches[name].mkdir()
            w, c = run_once(tree, args, caches[name], pycs[name])
            walls[name].append(w)
            cpus[name].append(c)
    counted: dict[str, float | None] = {name: None for name, _ in trees}
    if count:
        for name, tree in trees:
            if clear:
                shutil.rmtree(caches[name], ignore_errors=True)
                caches[name].mkdir()
            counted[name] = instructions(tree, args, caches[name], pycs[name])
    for c in caches.values():
        shutil.rmtree(c, ignore_errors=True)
    return {
        n: (statistics.median(walls[n]), statistics.median(cpus[n]), counted[n]) for n, _ in trees
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--base", type=Path, help="an earlier checkout to compare with")
    ap.add_argument(
        "--instructions", action="store_true", help="also count instructions (Valgrind)"
    )
    a = ap.parse_args()
    if a.instructions and shutil.which("valgrind") is None:
        ap.error("--instructions needs valgrind on the PATH")
    trees = [("this tree", ROOT)] + ([("base", a.base.resolve())] if a.base else [])
    scratch = Path(tempfile.mkdtemp(prefix="lanthanide-latency-"))
    load_before = os.getloadavg()[0]
    rows: list[tuple[str, float | None, dict[str, tuple[float, float, float | None]]]] = []
    try:
        for label, args, clear, goal in COMMANDS:
            got = measure(trees, args, clear, a.runs, scratch, a.instructions)
            rows.append((label, goal, got))
            print(f"  measured {label}", file=sys.stderr)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load_after = os.getloadavg()[0]
    print(
        f"\nload average {load_before:.1f} at the start, {load_after:.1f} at the end "
        f"({os.cpu_count()} cores); median of {a.runs} cold processes\n"
    )
    head = f"{'command':<50} {'goal':>5} {'wall s':>7} {'cpu s':>7}"
    if a.base:
        head += f" {'base wall':>9} {'base cpu':>8} {'wall/base':>9} {'cpu/base':>8}"
    if a.instructions:
        head += f" {'M instr':>8}" + (f" {'base':>8} {'/base':>6}" if a.base else "")
    print(head)
    print("-" * len(head))
    for label, goal, got in rows:
        wall, cpu, n = got["this tree"]
        line = f"{label:<50} {goal if goal else '':>5} {wall:7.3f} {cpu:7.3f}"
        if a.base:
            bw, bc, bn = got["base"]
            line += f" {bw:9.3f} {bc:8.3f} {wall / bw:9.2f} {cpu / bc:8.2f}"
        if a.instructions and n is not None:
            line += f" {n:8,.0f}"
            if a.base and bn is not None:
                line += f" {bn:8,.0f} {n / bn:6.2f}"
        print(line)


if __name__ == "__main__":
    main()
