"""The classifier's answer, explanation included, does not depend on the
interpreter's string-hash seed (it did: ``氧化镨钕`` explained the implied
rare earths as "镨 → ree" in one process and "钕 → ree" in another)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import json, sys
from lanthanide.classify import Classifier
from lanthanide.rules.book import load_rulebook
clf = Classifier(load_rulebook())
queries = json.loads(sys.stdin.read())
print(json.dumps([clf.classify(q).to_dict() for q in queries], ensure_ascii=False, sort_keys=True))
"""


def _queries() -> list[str]:
    data = yaml.safe_load((ROOT / "benchmarks" / "classify_heldout5.yaml").read_text("utf-8"))
    picked = [str(q["q"]) for q in data["queries"]]
    return ["氧化镨钕", "NdPr oxide", "镨钕合金", "didymium metal", *picked]


def _run(seed: str, queries: list[str]) -> list[object]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT / "src")}
    got = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    out: list[object] = json.loads(got.stdout)
    return out


def test_same_answers_under_other_hash_seeds() -> None:
    queries = _queries()
    first = _run("1", queries)
    second = _run("2", queries)
    assert len(first) == len(queries)
    for q, a, b in zip(queries, first, second, strict=True):
        assert a == b, q
