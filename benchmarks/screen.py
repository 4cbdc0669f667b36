"""Benchmark: batch screening throughput.

    python benchmarks/screen.py [--sizes 1000000,10000000] [--spark-lines 1000000]
                                [--baseline-lines 100000] [--no-spark] [--repeat 3]
                                [--memory-limit 2GB] [--workers N]
                                [--spark-standalone MASTER_URL] [--dir DIR]

Generates Parquet declarations with the project's generator, then measures,
each in a fresh subprocess (so peak memory is that run's own):

* DuckDB screening of each size, Parquet in, Parquet out (normalised
  output plus the determinations file), with ``--memory-limit``;
* the floor for each size: DuckDB reading the same input and writing an
  output of the same row count (its input columns) with no screening;
* Spark local[2] screening of ``--spark-lines`` lines, and a standalone
  cluster at ``--spark-standalone URL`` when given (or, when
  ``lanthanide.screen.standalone`` exists, one it starts on 127.0.0.1);
* the baseline: ``decide()`` called per line (with the same validation as
  ``check``) on ``--baseline-lines`` lines, in-process, no output written.

Every run is repeated ``--repeat`` times (default 3) and the median time is
reported (peak memory: the largest of the runs).

Prints lines/s, peak resident memory (the screening process plus its
worker processes and, for Spark, the JVM: each process's own peak,
summed; and, per DuckDB row, the main process's and the workers' peaks
apart and the largest sum at one time, sampled every 0.1 s), the ratio to the per-line
baseline and the share of the floor's speed (100 % = as fast as just
reading and writing), then the seconds of each stage of every screening
row (read, validate, classify, decide, write). Figures on a shared machine
are noisy: say how loaded it was (the load average is printed).
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

def descendants():
    # the processes still alive below this one
    parents = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    parents[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found

def children_hwm():
    # peak resident sets of descendant processes still alive (Spark's JVM)
    return sum(hwm(p) for p in descendants())

def tree_rss():
    # resident memory now of this process and all its descendants (MB)
    found = descendants() | {os.getpid()}
    total = 0.0
    for p in found:
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            pass
    return total

def sample_peak(stop, out, every=0.1):
    # the largest sum of the tree's resident memory, sampled every 0.1 s
    while not stop.wait(every):
        out[0] = max(out[0], tree_rss())
"""

_RUN = (
    _HWM
    + r"""
import json, sys, time
from pathlib import Path
from lanthanide.rules.book import load_rulebook
from lanthanide.screen import make_engine, screen
engine_name, src, out, master, limit, workers = sys.argv[1:7]
src, out = Path(src), Path(out)
book = load_rulebook()
import threading
stop, peak = threading.Event(), [0.0]
sampler = threading.Thread(target=sample_peak, args=(stop, peak), daemon=True)
sampler.start()
t0 = time.perf_counter()
if engine_name == "spark":
    eng = make_engine("spark", master)
else:
    eng = make_engine(
        "duckdb", memory_limit=limit or None, temp_directory=out.with_name(out.name + ".spill")
    )
s = screen(eng, book, src, out, workers=int(workers) if workers else None)
secs = time.perf_counter() - t0
stop.set()
sampler.join()
child = children_hwm()
eng.close()
print(json.dumps({
    "lines": s.lines, "seconds": secs, "keys": s.keys, "decided": s.decided,
    "rss_mb": s.peak_rss_mb if engine_name == "duckdb" else hwm(), "child_rss_mb": child,
    "self_mb": hwm(), "workers": s.workers, "together_mb": peak[0],
    "stages": s.stages,
}))
"""
)

_FLOOR = (
    _HWM
    + r"""
import json, sys, time
from pathlib import Path
import duckdb
src, out, limit = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
con = duckdb.connect(":memory:")
if limit:
    con.execute(f"SET memory_limit = '{limit}'")
con.execute(f"COPY (SELECT * FROM read_parquet('{src}')) TO '{out}' (FORMAT parquet)")
n = con.execute(f"SELECT COUNT(*) FROM read_parquet('{out}')").fetchone()[0]
secs = time.perf_counter() - t0
print(json.dumps({"lines": n, "seconds": secs, "rss_mb": hwm()}))
"""
)
"""The floor: read the input and write the same rows, no screening."""

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
    out["self_mb"] = max(r.get("self_mb", r["rss_mb"]) for r in runs)
    out["together_mb"] = max(r.get("together_mb", 0.0) for r in runs)
    out["runs"] = len(runs)
    return out


def _standalone() -> tuple[str, object] | None:
    """A standalone cluster from ``lanthanide.screen.standalone`` when that
    module exists (it starts a master and a worker on 127.0.0.1)."""
    try:
        from lanthanide.screen import standalone  # type: ignore[attr-defined]
    except ImportError:
        return None
    cluster = standalone.start()
    return str(cluster.master_url), cluster


def main() -> None:
    import os

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--spark-lines", type=int, default=1_000_000)
    ap.add_argument("--baseline-lines", type=int, default=100_000)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--spark-standalone", default=None, help="master URL of a running cluster")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3, help="runs per row; the median is shown")
    ap.add_argument("--memory-limit", default="2GB", help="DuckDB memory limit ('' for none)")
    ap.add_argument("--workers", default="", help="deciding processes (default: the cores)")
    args = ap.parse_args()

    from lanthanide.screen.generate import generate

    sizes = [int(s) for s in args.sizes.split(",") if s]
    load = os.getloadavg()
    if args.dir:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        files: dict[int, Path] = {}
        needed = {*sizes, args.baseline_lines} | (set() if args.no_spark else {args.spark_lines})
        for n in sorted(needed):
            t = time.perf_counter()
            files[n] = root / f"decl-{n}.parquet"
            generate(files[n], lines=n, seed=args.seed)
            print(f"generated {n:>10,} lines in {time.perf_counter() - t:6.1f} s", flush=True)
        rows: list[tuple[str, dict[str, float], dict[str, float] | None]] = []
        reps = max(1, args.repeat)
        base = _median(
            [
                _sub(_BASELINE, str(files[args.baseline_lines]), str(args.baseline_lines))
                for _ in range(reps)
            ]
        )
        rows.append(("decide() per line (baseline)", base, None))
        print(f"baseline done: {base['lines'] / base['seconds']:,.0f} lines/s", flush=True)
        for n in sizes:
            out = root / f"out-duckdb-{n}.parquet"
            floor_out = root / f"floor-{n}.parquet"
            fl = _median(
                [
                    _sub(_FLOOR, str(files[n]), str(floor_out), args.memory_limit)
                    for _ in range(reps)
                ]
            )
            floor_out.unlink(missing_ok=True)
            rows.append(("floor: DuckDB read+write", fl, None))
            print(f"floor {n:,} done in {fl['seconds']:.1f} s", flush=True)
            r = _median(
                [
                    _sub(
                        _RUN, "duckdb", str(files[n]), str(out), "", args.memory_limit, args.workers
                    )
                    for _ in range(reps)
                ]
            )
            rows.append((f"screen, DuckDB ({args.memory_limit or 'no limit'})", r, fl))
            print(f"duckdb {n:,} done in {r['seconds']:.1f} s: {r.get('stages')}", flush=True)
            for p in root.glob(f"out-duckdb-{n}*"):
                p.unlink()
        if not args.no_spark:
            n = args.spark_lines
            masters = [("local[2]", "local[2]")]
            cluster = None
            if args.spark_standalone:
                masters.append(("standalone", args.spark_standalone))
            else:
                got = _standalone()
                if got is not None:
                    url, cluster = got
                    masters.append(("standalone", url))
            try:
                for label, master in masters:
                    out = root / f"out-spark-{n}.parquet"
                    r = _median(
                        [
                            _sub(_RUN, "spark", str(files[n]), str(out), master, "", args.workers)
                            for _ in range(reps)
                        ]
                    )
                    rows.append((f"screen, Spark {label}", r, None))
                    print(f"spark {label} {n:,} done in {r['seconds']:.1f} s", flush=True)
            finally:
                if cluster is not None:
                    cluster.stop()  # type: ignore[attr-defined]

    base_rate = base["lines"] / base["seconds"]
    print()
    print(
        f"(median of {reps} run(s) per row; peak memory: the largest; "
        f"load average at start {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} "
        f"on {os.cpu_count()} cores)"
    )
    print(
        f"{'run':34} {'lines':>11} {'seconds':>8} {'lines/s':>12} {'peak MB':>9} "
        f"{'keys':>7} {'decided':>8} {'x baseline':>10} {'% of floor':>10}"
    )
    for name, r, fl in rows:
        rate = r["lines"] / r["seconds"]
        mem = f"{r['rss_mb']:.0f}"
        if r.get("child_rss_mb", 0) > 1 and "Spark" in name:
            mem += f"+{r['child_rss_mb']:.0f}"
        floor = f"{100 * fl['seconds'] / r['seconds']:.0f} %" if fl else ""
        print(
            f"{name:34} {int(r['lines']):>11,} {r['seconds']:>8.2f} {rate:>12,.0f} {mem:>9} "
            f"{int(r.get('keys', 0)):>7} {int(r.get('decided', 0)):>8} "
            f"{rate / base_rate:>10.1f} {floor:>10}"
        )
    split = [(name, r) for name, r, _ in rows if name.startswith("screen, DuckDB")]
    if split:
        print()
        print(
            f"{'peak MB per process (largest run)':34} {'main':>9} {'workers':>9} "
            f"{'processes':>9} {'together':>9}"
        )
        for name, r in split:
            print(
                f"{name:34} {r['self_mb']:>9.0f} {r['rss_mb'] - r['self_mb']:>9.0f} "
                f"{int(r.get('workers', 1)):>9} {r['together_mb']:>9.0f}"
            )
        print(
            "(peak MB in the table above sums each process's own peak; the workers end "
            "before the output is written, so those peaks do not coincide: 'together' is "
            "the largest sum of the processes' resident memory at one time, sampled every 0.1 s)"
        )
    staged = [(name, r) for name, r, _ in rows if r.get("stages")]
    if staged:
        names = ("read", "validate", "classify", "decide", "write")
        print()
        print(f"{'seconds per stage (median run)':34} " + " ".join(f"{n:>9}" for n in names))
        for name, r in staged:
            st: dict[str, float] = r["stages"]  # type: ignore[assignment]
            print(f"{name:34} " + " ".join(f"{st.get(n, 0.0):>9.2f}" for n in names))


if __name__ == "__main__":
    main()
