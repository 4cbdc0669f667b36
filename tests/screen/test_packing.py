"""The integer key packed into one column (``sql.packing``) screens exactly
as the key joined column by column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lanthanide.rules.book import load_rulebook
from lanthanide.screen import DuckDBEngine, KeySpace, screen, sql
from lanthanide.screen.generate import generate
from tests.screen.support import read_rows

BOOK = load_rulebook()
SPACE = KeySpace(BOOK)


def test_packing_round_trips_and_refuses_what_does_not_fit() -> None:
    radix = [131, 21, 300, 6, 5, 1000, 3]
    mult = sql.packing(radix)
    assert mult is not None and mult[-1] == 1
    for key in [(0,) * 7, (130, 20, 299, 5, 4, 999, 2), (7, 0, 12, 3, 0, 17, 1)]:
        k = sum(v * m for v, m in zip(key, mult, strict=True))
        assert 0 <= k < sql.PACK_LIMIT
        assert sql.unpack(k, mult) == key
    assert sql.packing([2**10] * 7) is None  # 2**70 does not fit
    with pytest.raises(ValueError, match="radix"):
        sql.packing([3, 0, 1, 1, 1, 1, 1])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_packed_and_column_keys_give_the_same_files(
    tmp_path: Path, monkeypatch: Any, fmt: str
) -> None:
    src = tmp_path / "gen.csv"
    generate(src, lines=1200, seed=5, reject_rate=0.03)
    got: dict[str, list[list[dict[str, Any]]]] = {}
    for mode, limit in (("packed", sql.PACK_LIMIT), ("columns", 1)):
        monkeypatch.setattr(sql, "PACK_LIMIT", limit)
        out = tmp_path / f"{mode}.{fmt}"
        with DuckDBEngine() as engine:
            s = screen(engine, BOOK, src, out, space=SPACE)
        assert s.rejected > 0 and s.lines == 1200
        got[mode] = [
            read_rows(out),
            read_rows(Path(s.determinations_file or "")),
            read_rows(Path(s.rejects or "")),
        ]
    assert got["packed"] == got["columns"]
