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
from lanthanide.decide.model import Alternative, Finding, ItemInfo, _finding, _item, case_json
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


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class StoredText:
    """``dumps(stored(d, book))``, built fast: the JSON encoder writes a
    dict as ``{"key":value,...}`` with each value encoded on its own, so the
    text is put together from the encoded parts, and the large repeated
    parts (findings, matched items, alternatives, overlays) are encoded once
    each per batch. Byte-identical to the reference (the tests compare)."""

    def __init__(self, book: Rulebook) -> None:
        from lanthanide import Lanthanide

        base = Lanthanide(book)
        self.overlays = _ENCODE([o.as_dict() for o in base.rulebook.overlays])
        self._findings: dict[Finding, str] = {}
        self._items: dict[ItemInfo, str] = {}
        self._alts: dict[Alternative, str] = {}
        self._facts: dict[frozenset[str], str] = {}
        self._notes: dict[tuple[Any, ...], str] = {}

    def _finding(self, f: Finding) -> str:
        got = self._findings.get(f)
        if got is None:
            got = self._findings[f] = _ENCODE(_finding(f))
        return got

    def _item(self, i: ItemInfo) -> str:
        got = self._items.get(i)
        if got is None:
            got = self._items[i] = _ENCODE(_item(i))
        return got

    def _alt(self, a: Alternative) -> str:
        got = self._alts.get(a)
        if got is None:
            got = self._alts[a] = _ENCODE(a.to_dict())
        return got

    def _note(self, n: Question | Warning) -> str:
        """A question or warning as stored (its date as :data:`ON_TOKEN`)."""
        key: tuple[Any, ...] | None
        if isinstance(n, Question):
            key = (n.field, n.text, n.options, n.pending_effect, n.instrument, n.code)
        else:
            key = (None, n.code, n.text, n.instrument)
        try:
            key = (*key, *n.params.items())
            got = self._notes.get(key)
        except TypeError:  # a parameter value that cannot be hashed
            key, got = None, None
        if got is not None:
            return got
        if isinstance(n, Question):
            entry: dict[str, Any] = {
                "field": n.field,
                "text": n.text,
                "options": list(n.options),
                "pending_effect": n.pending_effect,
                "instrument": n.instrument,
                "code": n.code,
                "params": dict(n.params),
            }
        else:
            entry = {
                "code": n.code,
                "text": n.text,
                "instrument": n.instrument,
                "params": dict(n.params),
            }
        if "on" in n.params:
            entry["text"] = dated_text(n)
            entry["params"]["on"] = ON_TOKEN
        text = _ENCODE(entry)
        if key is not None:
            self._notes[key] = text
        return text

    def text(self, d: Determination) -> str:
        """The stored JSON text of ``d``: ``dumps(stored(d, book))``."""
        facts = self._facts.get(d.facts)
        if facts is None:
            facts = self._facts[d.facts] = _ENCODE(sorted(d.facts))
        parts = [
            '{"verdict":',
            _ENCODE(d.verdict),
            ',"findings":[',
            ",".join([self._finding(f) for f in d.findings]),
            '],"questions":[',
            ",".join([self._note(q) for q in d.questions]),
            '],"warnings":[',
            ",".join([self._note(w) for w in d.warnings]),
            '],"conflicts":',
            _ENCODE([{"text": x.text, "findings": list(x.findings)} for x in d.conflicts])
            if d.conflicts
            else "[]",
            ',"matched":[',
            ",".join([self._item(i) for i in d.matched]),
            '],"checked":',
            _ENCODE(list(d.checked)),
            ',"rulebook_version":',
            _ENCODE(d.rulebook_version),
            ',"data_as_of":',
            _ENCODE(d.data_as_of.isoformat()),
            ',"window":',
            _ENCODE(d.window.to_dict()),
            ',"facts":',
            facts,
            ',"alternatives":[',
            ",".join([self._alt(a) for a in d.alternatives]),
            '],"parties":',
            _ENCODE(d.parties.to_dict()) if d.parties is not None else "null",
            ',"consignee":',
            _ENCODE(d.consignee.to_dict()) if d.consignee is not None else "null",
            ',"overlays":',
            self.overlays,
            "}",
        ]
        return "".join(parts)


def determination_id(text: str) -> str:
    """The id of a stored determination (its JSON text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


def expand(text: str, case: Case) -> dict[str, Any]:
    """A stored determination (its JSON text) for one line's ``case``: the
    JSON ``lanthanide check --format json --no-trace`` gives for it."""
    data: dict[str, Any] = json.loads(text.replace(ON_TOKEN, case.on.isoformat()))
    return {"verdict": data.pop("verdict"), "case": case_json(case), **data}
