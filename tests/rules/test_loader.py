"""Loading and validating rulebook YAML: every problem names file, path and
what is allowed; nothing loads when anything is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from lanthanide.rules.book import Rulebook
from lanthanide.rules.loader import RulebookError, load_instruments
from tests.conftest import SRC, instrument, synthetic_docs, write_book


def problems(tmp_path: Path, docs: list[dict[str, object]]) -> list[str]:
    with pytest.raises(RulebookError) as exc:
        load_instruments(write_book(tmp_path / "b", docs))  # type: ignore[arg-type]
    return [str(p) for p in exc.value.problems]


def test_synthetic_book_loads(tmp_path: Path) -> None:
    insts = load_instruments(write_book(tmp_path / "b", synthetic_docs()))
    assert {i.id for i in insts} >= {"t-dual", "t-us", "t-cat-1"}


def test_bad_tag_names_file_path_and_allowed_values(tmp_path: Path) -> None:
    doc = instrument("x-bad", sources=[{"url": "https://example.org", "tag": "Q"}])
    msg = problems(tmp_path, [doc])[0]
    assert msg.startswith("x-bad.yaml: sources[0].tag:")
    assert "'P', 'S' or 'U'" in msg


def test_bad_effect_lists_allowed(tmp_path: Path) -> None:
    doc = instrument(
        "x-eff",
        controls=[
            {
                "id": "c",
                "effect": "banned",
                "applies_to": {"anything": True},
                "valid": {"start": "2020-01-01"},
                "reason": {"en": "r"},
                "sources": SRC,
            }
        ],
    )
    (msg,) = problems(tmp_path, [doc])
    assert "controls[0].effect" in msg and "licence_required" in msg


def test_period_end_before_start(tmp_path: Path) -> None:
    doc = instrument(
        "x-per",
        controls=[
            {
                "id": "c",
                "effect": "licence_required",
                "applies_to": {"anything": True},
                "valid": {"start": "2020-01-01", "end": "2019-01-01"},
                "reason": {"en": "r"},
                "sources": SRC,
            }
        ],
    )
    (msg,) = problems(tmp_path, [doc])
    assert "controls[0].valid" in msg and "must be after" in msg


def test_unknown_field_is_rejected(tmp_path: Path) -> None:
    doc = instrument("x-extra", colour="blue")
    (msg,) = problems(tmp_path, [doc])
    assert "colour" in msg


def test_id_must_match_file_name(tmp_path: Path) -> None:
    root = tmp_path / "b"
    root.mkdir()
    (root / "other-name.yaml").write_text(
        "id: x-one\n"
        + "\n".join(
            f"{k}: {v}"
            for k, v in [
                ("number", "N"),
                ("title", "{en: T}"),
                ("issuer", "[MOFCOM]"),
                ("kind", "announcement"),
                ("regime", "dual_use"),
                ("status", "in_force"),
                ("verified_on", "2024-01-01"),
                ("sources", "[{url: 'https://e.org', tag: P}]"),
            ]
        )
        + "\n"
    )
    with pytest.raises(RulebookError) as exc:
        load_instruments(root)
    assert "must equal the file name" in str(exc.value)


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    root = tmp_path / "b"
    root.mkdir()
    (root / "x-dup.yaml").write_text("id: x-dup\nid: x-dup\n")
    with pytest.raises(RulebookError) as exc:
        load_instruments(root)
    assert "duplicate key 'id'" in str(exc.value)


def test_dangling_reference(tmp_path: Path) -> None:
    docs = synthetic_docs()
    docs.append(
        instrument(
            "x-ref",
            controls=[
                {
                    "id": "c",
                    "effect": "licence_required",
                    "applies_to": {"refs": ["t-dual:NOPE"]},
                    "valid": {"start": "2020-01-01"},
                    "reason": {"en": "r"},
                    "sources": SRC,
                }
            ],
        )
    )
    msgs = problems(tmp_path, docs)
    assert any("x-ref.yaml: controls[0].applies_to.refs[0]" in m and "A-1" in m for m in msgs)


def test_suspension_of_unknown_control(tmp_path: Path) -> None:
    docs = synthetic_docs()
    docs.append(
        instrument(
            "x-sus",
            regime="suspension",
            suspends=[
                {
                    "instrument": "t-us",
                    "controls": ["para9"],
                    "period": {"start": "2022-01-01"},
                    "sources": SRC,
                }
            ],
        )
    )
    msgs = problems(tmp_path, docs)
    assert any("para9" in m and "para1" in m for m in msgs)


def test_unknown_condition_parameter(tmp_path: Path) -> None:
    doc = instrument(
        "x-par",
        items=[
            {
                "code": "I",
                "kind": "goods",
                "title": {"en": "t"},
                "sources": SRC,
                "condition": {"param": "shininess", "op": ">", "value": 3},
            }
        ],
    )
    msgs = problems(tmp_path, [doc])
    assert any("shininess" in m and "purity" in m for m in msgs)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    a = instrument("x-a", sources=[{"url": "https://e.org", "tag": "Z"}])
    b = instrument("x-b", kind="poem")
    msgs = problems(tmp_path, [a, b])
    assert any(m.startswith("x-a.yaml") for m in msgs)
    assert any(m.startswith("x-b.yaml") for m in msgs)


def test_version_is_a_content_hash(tmp_path: Path) -> None:
    one = Rulebook(load_instruments(write_book(tmp_path / "one", synthetic_docs())))
    same = Rulebook(load_instruments(write_book(tmp_path / "same", synthetic_docs())))
    docs = synthetic_docs()
    docs[0]["verified_on"] = "2024-07-01"
    other = Rulebook(load_instruments(write_book(tmp_path / "other", docs)))
    assert one.version == same.version
    assert one.version != other.version
    assert str(other.data_as_of) == "2024-07-01"


def test_bundled_rulebook_is_valid() -> None:
    insts = load_instruments()
    assert len(insts) >= 1
