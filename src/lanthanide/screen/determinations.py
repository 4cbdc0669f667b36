"""The determinations file of a batch: each distinct determination once, in
the JSON of ``lanthanide check --format json``, keyed by a content id.

A determination is shared by every line that gets it, so its stored form
leaves out what belongs to one line:

* ``case`` is left out (each output line carries its own input columns);
* texts and parameters that quote the case's date hold :data:`ON_TOKEN`
  instead (the only date of a case; every other date is the rulebook's).

:func:`expand` puts a line's case back: the result equals
``Lanthanide.determination_json(check(line), trace=False)`` key for key
(the property tests check it). ``determination_id`` is a hash of the stored
form, which names the rulebook version: the same rulebook and the same
determination give the same id in every run, so two runs' outputs join on
it, and the same id always means the same stored row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from lanthanide.decide import Case, Determination, Question, QuestionCode, Warning, WarningCode
from lanthanide.decide.model import case_json
from lanthanide.decide.warnings import render
from lanthanide.rules.book import Rulebook
from lanthanide.screen.compile import ON_TOKEN

DETERMINATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("determination_id", "string"),
    ("rulebook_version", "string"),
    ("verdict", "string"),
    ("determination", "string"),
)
"""Columns of the determinations file (``determination``: the stored JSON)."""

ID_LENGTH = 16
"""Hex digits of a ``determination_id`` (64 bits of SHA-256)."""


def dated_text(w: Warning | Question) -> str:
    """The text with the case's date (the parameter ``on``) as :data:`ON_TOKEN`."""
    if "on" not in w.params:
        return w.text
    if isinstance(w, Question):
        spec = QuestionCode(w.code).spec
    else:
        spec = (WarningCode.DUTY if w.code.startswith("duty:") else WarningCode(w.code)).spec
    return render(spec, {**w.params, "on": ON_TOKEN})


def _undate(entries: list[dict[str, Any]], sources: Sequence[Warning | Question]) -> None:
    for entry, src in zip(entries, sources, strict=True):
        if "on" in src.params:
            entry["text"] = dated_text(src)
            entry["params"]["on"] = ON_TOKEN


def stored(d: Determination, book: Rulebook) -> dict[str, Any]:
    """The stored form of ``d`` (see the module docstring)."""
    from lanthanide import Lanthanide

    data = Lanthanide(book).determination_json(d, trace=False)
    del data["case"]
    _undate(data["questions"], d.questions)
    _undate(data["warnings"], d.warnings)
    return data


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def determination_id(text: str) -> str:
    """The id of a stored determination (its JSON text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


def expand(text: str, case: Case) -> dict[str, Any]:
    """A stored determination (its JSON text) for one line's ``case``: the
    JSON ``lanthanide check --format json --no-trace`` gives for it."""
    data: dict[str, Any] = json.loads(text.replace(ON_TOKEN, case.on.isoformat()))
    return {"verdict": data.pop("verdict"), "case": case_json(case), **data}
