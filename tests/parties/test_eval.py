"""The labelled evaluation set stays above the quality goal (precision ≥ 0.98
at recall ≥ 0.95, for flagged and for confident matches). Timings are the
benchmark's business (``benchmarks/parties.py``), not asserted here."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import yaml

from lanthanide.parties import POSSIBLE, STRONG, PartyIndex
from lanthanide.rules.book import load_rulebook

ROOT = Path(__file__).resolve().parents[2]


def _harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("parties_bench", ROOT / "benchmarks/parties.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_eval_set_meets_the_goal() -> None:
    bench = _harness()
    cases = yaml.safe_load((ROOT / "benchmarks/parties_eval.yaml").read_text(encoding="utf-8"))[
        "cases"
    ]
    assert len(cases) >= 300
    kinds = {c["kind"] for c in cases}
    assert {"exact", "typo", "translated", "traditional", "subsidiary", "negative"} <= kinds
    assert sum(1 for c in cases if not c["expect"]) >= 50
    index = PartyIndex(load_rulebook().lists)
    results = [index.screen(c["q"], date(2026, 12, 1), c.get("country")) for c in cases]
    flag, conf = bench.score(cases, results, POSSIBLE, STRONG)
    assert flag.precision >= 0.98 and flag.recall >= 0.95, (flag.precision, flag.recall)
    assert conf.precision >= 0.98 and conf.recall >= 0.95, (conf.precision, conf.recall)
