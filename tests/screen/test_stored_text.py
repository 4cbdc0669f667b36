"""The stored determination text, assembled from encoded parts, is
byte-identical to the reference (``dumps(stored(d, book))``): the
``determination_id`` hashes it, so the same determination must give the
same id whichever way its text was built."""

from __future__ import annotations

from pathlib import Path

from lanthanide import Lanthanide
from lanthanide.screen.determinations import StoredText, determination_id, dumps, stored
from lanthanide.screen.generate import generate
from tests.screen.conftest import read_csv
from tests.screen.support import case_of
from tests.screen.test_equivalence import END_USERS

LN = Lanthanide()


def test_assembled_text_equals_the_reference(tmp_path: Path) -> None:
    """On generated lines (every verdict, questions and warnings quoting the
    date, parameters, end uses) and on lines naming listed and unlisted end
    users and consignees: the same text, reused parts and all."""
    src = tmp_path / "gen.csv"
    generate(src, lines=400, seed=3, reject_rate=0.0)
    lines = read_csv(src)
    for i, line in enumerate(lines[:120]):
        line["end_user"] = END_USERS[i % len(END_USERS)] if i % 3 else ""
        line["consignee"] = END_USERS[(i + 1) % len(END_USERS)] if i % 4 == 1 else ""
    texts = StoredText(LN.rulebook)
    verdicts: set[str] = set()
    seen = parties = dated = 0
    for line in lines:
        d = LN.check(case_of(line))
        want = dumps(stored(d, LN.rulebook))
        got = texts.text(d)
        assert got == want, line
        assert determination_id(got) == determination_id(want)
        verdicts.add(d.verdict)
        seen += bool(d.questions or d.warnings)
        parties += d.parties is not None and d.consignee is not None
        dated += '"on":"@@ON@@"' in got
    # the mix reached the parts that vary
    assert len(verdicts) >= 3 and seen and parties and dated
