"""Fixtures for the batch screening tests: one Spark session per test run."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from lanthanide import Lanthanide
from lanthanide.screen.sql import INPUT_COLUMNS


def _java() -> bool:
    return shutil.which("java") is not None


@pytest.fixture(scope="session")
def spark_cluster() -> Iterator[str]:
    """A standalone Spark cluster (a master and a worker on 127.0.0.1) for
    the whole run: its master URL. Skipped only when Java is missing."""
    if not _java():
        pytest.skip("Spark tests need Java 17 or later on PATH (java not found)")
    from lanthanide.screen.standalone import standalone_cluster

    with standalone_cluster(cores=2, memory="2g") as url:
        yield url


@pytest.fixture(scope="session", params=["local", "standalone"])
def spark(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A Spark session, once on local[2] and once on the standalone cluster
    (every test using it runs on both; pytest groups the tests by the
    parameter, so one session exists at a time). Two shuffle partitions, no
    UI, quiet logs. Skipped only when Java is missing."""
    if not _java():
        pytest.skip("Spark tests need Java 17 or later on PATH (java not found)")
    from lanthanide.screen.engine_spark import spark_session

    local = request.param == "local"
    master = "local[2]" if local else request.getfixturevalue("spark_cluster")
    # one core on the cluster, so that a second application (the CLI) can run
    session = spark_session(master, conf=None if local else {"spark.cores.max": "1"})
    session.conf.set("spark.sql.shuffle.partitions", "2")
    yield session
    session.stop()


def write_csv(
    path: Path, rows: Sequence[dict[str, str]], columns: Sequence[str] | None = None
) -> Path:
    cols = list(columns or INPUT_COLUMNS)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV output: a file, or Spark's directory of part files."""
    if path.is_dir():
        from lanthanide.screen.outputs import read_rows

        return read_rows(path)
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


LN = Lanthanide()


def expected(line: dict[str, str]) -> dict[str, Any]:
    """What ``lanthanide check`` says for one line, in the output's columns."""
    params: dict[str, str] = {}
    for part in (p for p in (line.get("params") or "").split(";") if p.strip()):
        name, _, value = part.partition("=")
        params[name.strip()] = value.strip()
    case = LN.case(
        hs=line["tariff_line"],
        destination=line.get("destination") or None,
        on=line["date"],
        end_use=line.get("end_use") or None,
        params=params,
    )
    d = LN.check(case)
    full = d.to_dict(trace=False)
    return {
        "verdict": d.verdict,
        "effects": ";".join(f.effect for f in d.findings),
        "instruments": ";".join(f.instrument.number or f.instrument.id for f in d.findings),
        "items": ";".join(f.item.code if f.item else "" for f in d.findings),
        "findings": [
            (
                f["effect"],
                f["instrument"]["id"],
                f["item"]["code"] if f["item"] else None,
                f["control"],
            )
            for f in full["findings"]
        ],
        # the batch columns hold a subset of the check JSON (no params)
        "questions": [{k: q[k] for k in QUESTION_KEYS} for q in full["questions"]],
        "warnings": [{k: w[k] for k in WARNING_KEYS} for w in full["warnings"]],
        "conflicts": full["conflicts"],
    }


QUESTION_KEYS = ("field", "text", "options", "pending_effect", "instrument")
WARNING_KEYS = ("code", "text", "instrument")


def actual(row: dict[str, Any]) -> dict[str, Any]:
    def s(v: Any) -> str:
        return "" if v is None else str(v)

    return {
        "verdict": row["verdict"],
        "effects": s(row["effects"]),
        "instruments": s(row["instruments"]),
        "items": s(row["items"]),
        "findings": [
            (f["effect"], f["instrument"], f["item"], f["control"])
            for f in json.loads(row["findings"])
        ],
        "questions": json.loads(row["questions"]),
        "warnings": json.loads(row["warnings"]),
        "conflicts": json.loads(row["conflicts"]),
    }


def assert_same_as_check(
    lines: Sequence[dict[str, str]], out_rows: Sequence[dict[str, Any]]
) -> None:
    by_id = {r["line_id"]: r for r in out_rows}
    assert len(by_id) == len(lines)
    for line in lines:
        got = actual(by_id[line["line_id"]])
        want = expected(line)
        assert got == want, f"line {line}"
