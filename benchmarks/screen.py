"""Benchmark: batch screening throughput.

    python benchmarks/screen.py [--sizes 1000000,10000000] [--spark-lines 1000000]
                                [--baseline-lines 100000] [--no-spark] [--repeat N]
                                [--dir DIR]

Generates Parquet declarations with the project's generator, then measures,
each in a fresh subprocess (so peak memory is that run's own):

* DuckDB screening of each size, Parquet in, Parquet out;
* Spark (local[*]) screening of ``--spark-lines`` lines;
* the baseline: ``decide()`` called per line (with the same validation as
  ``check``) on ``--baseline-lines`` lines, in-process, no output written.

With ``--repeat N`` every run is repeated N times and the median time is
reported (peak memory: the largest of the N runs).

Prints lines/s, peak resident memory (VmHWM of the Python process; for
Spark plus the JVM's, as ``python+jvm``) and each row's ratio to the
per-line baseline. Figures on a shared machine are noisy: run it twice.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HWM = r"""
import os

def hwm(pid="self"):
    # peak resident set of one process (VmHWM: reset at exec, unlike ru_maxrss)
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0

def children_hwm():
    # peak resident sets of descendant processes still alive (Spark's JVM)
    me, parents = os.getpid(), {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    parents[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = set(), {me}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return sum(hwm(p) for p in found)
"""

_RUN = (
    _HWM
    + r"""
import json, sys, time
from pathlib import Path
from lanthanide.rules.book import load_rulebook
from lanthanide.screen import make_engine, screen
engine_name, src, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
book = load_rulebook()
t0 = time.perf_counter()
eng = make_engine(engine_name, "local[*]" if engine_name == "spark" else None)
s = screen(eng, book, src, out)
secs = time.perf_counter() - t0
child = children_hwm()
eng.close()
print(json.dumps({
    "lines": s.lines, "seconds": secs, "keys": s.keys, "decided": s.decided,
    "rss_mb": hwm(), "child_rss_mb": child,
}))
"""
)

_BASELINE = (
    _HWM
    + r"""
import json, sys, time
import pyarrow.parquet as pq
from lanthanide import Lanthanide
from lanthanide.decide import CaseError
src, n = sys.argv[1], int(sys.argv[2])
rows = pq.read_table(src).slice(0, n).to_pylist()
ln = Lanthanide()
ln.rulebook
t0 = time.perf_counter()
for r in rows:
    params = {}
    for part in (p for p in (r["params"] or "").split(";") if p.strip()):
        k, _, v = part.partition("=")
        params[k.strip()] = v.strip()
    try:
        case = ln.case(hs=r["tariff_line"], destination=r["destination"] or None,
                       on=r["date"], end_use=r["end_use"] or None, params=params)
    except CaseError:
        continue
    ln.check(case).to_dict(trace=False)
secs = time.perf_counter() - t0
print(json.dumps({"lines": len(rows), "seconds": secs, "rss_mb": hwm()}))
"""
)


def _sub(code: str, *args: str) -> dict[str, float]:
    res = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{res.stderr[-3000:]}")
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run of median time, with the largest peak memory of all runs."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    out = dict(ordered[len(ordered) // 2])
    out["rss_mb"] = max(r["rss_mb"] for r in runs)
    out["child_rss_mb"] = max(r.get("child_rss_mb", 0.0) for r in runs)
    out["runs"] = len(runs)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--spark-lines", type=int, default=1_000_000)
    ap.add_argument("--baseline-lines", type=int, default=100_000)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=1, help="runs per row; the median is shown")
    args = ap.parse_args()

    from lanthanide.screen.generate import generate

    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        files: dict[int, Path] = {}
        for n in sorted({*sizes, args.spark_lines, args.baseline_lines}):
            t = time.perf_counter()
            files[n] = root / f"decl-{n}.parquet"
            generate(files[n], lines=n, seed=args.seed)
            print(f"generated {n:>10,} lines in {time.perf_counter() - t:6.1f} s", flush=True)
        rows: list[tuple[str, dict[str, float]]] = []
        reps = max(1, args.repeat)
        base = _median(
            [
                _sub(_BASELINE, str(files[args.baseline_lines]), str(args.baseline_lines))
                for _ in range(reps)
            ]
        )
        rows.append(("decide() per line (baseline)", base))
        print(f"baseline done: {base['lines'] / base['seconds']:,.0f} lines/s", flush=True)
        for n in sizes:
            out = root / f"out-duckdb-{n}.parquet"
            r = _median([_sub(_RUN, "duckdb", str(files[n]), str(out)) for _ in range(reps)])
            rows.append(("screen, DuckDB", r))
            print(f"duckdb {n:,} done in {r['seconds']:.1f} s", flush=True)
            (root / f"out-duckdb-{n}.parquet").unlink(missing_ok=True)
        if not args.no_spark:
            n = args.spark_lines
            out = root / f"out-spark-{n}.parquet"
            r = _median([_sub(_RUN, "spark", str(files[n]), str(out)) for _ in range(reps)])
            rows.append(("screen, Spark local[*]", r))
            print(f"spark {n:,} done in {r['seconds']:.1f} s", flush=True)

    base_rate = base["lines"] / base["seconds"]
    print()
    print(f"(median of {reps} run(s) per row; peak memory: the largest)")
    print(
        f"{'run':32} {'lines':>11} {'seconds':>8} {'lines/s':>12} {'peak MB':>9} "
        f"{'keys':>7} {'decided':>8} {'x baseline':>10}"
    )
    for name, r in rows:
        rate = r["lines"] / r["seconds"]
        mem = f"{r['rss_mb']:.0f}"
        if r.get("child_rss_mb", 0) > 1 and "Spark" in name:
            mem += f"+{r['child_rss_mb']:.0f}"
        print(
            f"{name:32} {int(r['lines']):>11,} {r['seconds']:>8.2f} {rate:>12,.0f} {mem:>9} "
            f"{int(r.get('keys', 0)):>7} {int(r.get('decided', 0)):>8} {rate / base_rate:>10.1f}"
        )


if __name__ == "__main__":
    main()
