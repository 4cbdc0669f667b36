"""Timeline pictures: PNG and HTML files, and a refused suffix."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lanthanide.changes import timeline
from lanthanide.changes.plot import PlotError, write
from lanthanide.decide import Engine, make_case
from lanthanide.rules import Rulebook


def _t(book: Rulebook):  # type: ignore[no-untyped-def]
    case = make_case(hs="2853909026", destination="US", end_use="civil", on=date(2023, 1, 1))
    return timeline(
        Engine(book).decide,
        case,
        date(2023, 1, 1),
        date(2027, 6, 1),
        book=book,
        decide_under=lambda b: Engine(b).decide,
    )


def test_png_and_html(book: Rulebook, tmp_path: Path) -> None:
    t = _t(book)
    write(t, tmp_path / "t.png")
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    write(t, tmp_path / "t.html")
    html = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "cn-mofcom-2025-72" in html and "denial_presumed" in html


def test_other_suffix_is_refused(book: Rulebook, tmp_path: Path) -> None:
    with pytest.raises(PlotError, match=r"\.png or \.html"):
        write(_t(book), tmp_path / "t.svg")
