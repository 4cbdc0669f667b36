"""The public API object: one rulebook per instance, lazy wiring, one error type,
and what importing the package or the CLI costs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import lanthanide
from lanthanide import CaseError, Lanthanide
from lanthanide.rules.book import Rulebook

from .conftest import synthetic_docs, write_book


def test_public_names() -> None:
    assert set(lanthanide.__all__) == {
        "Case",
        "CaseError",
        "Determination",
        "Lanthanide",
        "Verdict",
        "__version__",
    }
    for name in lanthanide.__all__:
        assert getattr(lanthanide, name) is not None
    with pytest.raises(AttributeError):
        _ = lanthanide.services  # type: ignore[attr-defined]


def test_two_instances_two_rulebooks(mini: Rulebook, book: Rulebook) -> None:
    small, bundled = Lanthanide(mini), Lanthanide()
    assert small.rulebook is mini and bundled.rulebook is book
    a = small.check(hs="1111112222", destination="KR", on="2020-06-01")
    assert a.verdict == "licence_required" and a.rulebook_version == mini.version
    b = bundled.check(hs="1111112222", destination="KR", on="2020-06-01")
    assert b.rulebook_version == book.version and b.verdict != "licence_required"
    assert small.instruments()[0]["id"].startswith("t-")


def test_rulebook_from_a_directory(tmp_path: Path) -> None:
    root = write_book(tmp_path / "book", synthetic_docs())
    ln = Lanthanide(root)
    assert "t-dual" in ln.rulebook.instruments
    assert ln.validate().ok and ln.validate().directory == root
    (root / "bad.yaml").write_text("id: x\nkind: poem\n", encoding="utf-8")
    v = ln.validate()
    assert not v.ok and any("bad.yaml" in str(p) for p in v.problems)


def test_nothing_is_built_before_it_is_needed() -> None:
    ln = Lanthanide()
    assert "rulebook" not in vars(ln)
    ln.check(hs="2850001901", destination="KR", on="2024-02-01")
    assert "_engine" in vars(ln) and "_classifier" not in vars(ln)
    ln.check_text("GaAs wafers", destination="KR", on="2025-06-01")
    assert ln._engine.classifier is ln._classifier  # one classifier per instance


def test_case_or_fields_not_both() -> None:
    ln = Lanthanide()
    case = ln.case(hs="2850001901", destination="KR", on="2024-02-01")
    assert ln.check(case) == ln.check(hs="2850001901", destination="KR", on="2024-02-01")
    with pytest.raises(TypeError):
        ln.check(case, hs="2850001901")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda ln: ln.case(hs="12"), "hs"),
        (lambda ln: ln.case(hs="2850001901", end_use="peaceful"), "end_use"),
        (lambda ln: ln.classify("   "), "text"),
        (lambda ln: ln.classify("GaAs", top=51), "top"),
        (lambda ln: ln.classify("GaAs", kind="service"), "kind"),
        (lambda ln: ln.instruments(on="01/02/2024"), "on"),
        (lambda ln: ln.instruments(regime="nope"), "regime"),
        (lambda ln: ln.validate("/nonexistent"), "directory"),
        (lambda ln: ln.generate_declarations("/tmp/x.csv", lines=-1), "lines"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(CaseError) as exc:
        call(Lanthanide())  # type: ignore[operator]
    assert exc.value.field == field


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_imports_stay_cheap() -> None:
    """`import lanthanide` loads no engine; loading the CLI loads no database or
    batch engine (they load when a registry or screening command runs)."""
    bare = _modules_after("import lanthanide")
    assert "lanthanide.decide" not in bare and "lanthanide.classify" not in bare
    cli = _modules_after("import lanthanide.cli")
    for heavy in ("sqlalchemy", "duckdb", "fastapi", "uvicorn", "lanthanide.registry.service"):
        assert heavy not in cli, heavy


def test_cli_database_variable_is_the_registry_one() -> None:
    from lanthanide.cli.registry import ENV_URL
    from lanthanide.registry.db import ENV_URL as REGISTRY_ENV_URL

    assert ENV_URL == REGISTRY_ENV_URL


def test_the_cli_knows_where_each_domain_error_lives() -> None:
    import importlib

    from lanthanide.cli.common import DOMAIN_ERRORS, _loaded

    for kind, (module, name) in DOMAIN_ERRORS.items():
        cls = getattr(importlib.import_module(module), name)
        assert issubclass(cls, Exception) and _loaded(kind) is cls, kind
    assert _loaded("case") is CaseError
