"""The public Python API: :class:`Lanthanide`, one object holding one rulebook.

Everything the command line and the HTTP API do goes through one instance of
this class, method for command::

    lanthanide check ...        Lanthanide.check(...) / check_text(...)
    lanthanide classify TEXT    Lanthanide.classify(TEXT)
    lanthanide rules ...        instruments(), instrument(id), diff(a, b),
                                coverage(), validate(directory)
    lanthanide screen ...       screen(src, out), generate_declarations(out)
    lanthanide supply ...       shares(...), exposure(...), replays()
    lanthanide scenario run F   scenario(F)
    lanthanide admin/audit      registry(url)

The rulebook is loaded on first use, the determination engine and the
classifier are built on first use, each once per instance. Heavy modules
(the classifier's indexes, DuckDB, SQLAlchemy, SciPy) are imported only by
the methods that need them, so importing :mod:`lanthanide` stays cheap.

Bad input raises :class:`~lanthanide.decide.CaseError` whose ``field``
names the parameter (``destination``, ``params.purity``, ``top``, ...);
supply, scenario and screening methods raise their package's error
(:class:`~lanthanide.supply.queries.QueryError`,
:class:`~lanthanide.supply.scenario.ScenarioError`,
:class:`~lanthanide.screen.InputError`), each naming the field as well.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack, get_args

if TYPE_CHECKING:
    from lanthanide.classify import Classification, Classifier
    from lanthanide.decide import Case, Determination, Engine
    from lanthanide.parties import ListEffect, ListsChecked, PartyMatch
    from lanthanide.registry import Registry
    from lanthanide.registry.db import Database
    from lanthanide.rules import Problem, Rulebook
    from lanthanide.screen import Summary
    from lanthanide.screen.run import Progress

__all__ = ["CaseFields", "Lanthanide", "Validation", "classification_json", "default"]

MAX_TOP = 50
"""The most results :meth:`Lanthanide.classify` returns."""


class CaseFields(TypedDict, total=False):
    """The raw fields of a case, as :meth:`Lanthanide.case` takes them."""

    item: str | None
    """Catalogue number (``053302J``) or control code (``1C902.a``)."""
    hs: str | None
    """Tariff line, 6 to 10 digits."""
    text: str | None
    """Free text, read by the classifier."""
    kind: str | None
    """``goods``, ``technology`` or ``service``."""
    destination: str | None
    """ISO 3166-1 alpha-2 code."""
    on: date | str | None
    """Export date (a date or ``YYYY-MM-DD``; default today)."""
    end_use: str | None
    end_user: str | None
    """The end user's name, screened against China's party lists."""
    consignee: str | None
    """The consignee's name (when not the end user), screened the same way."""
    params: Mapping[str, Any] | None
    """Technical parameters, numbers or strings with units (``"99.995%"``)."""


@dataclass(frozen=True, slots=True)
class Validation:
    """The outcome of :meth:`Lanthanide.validate`."""

    directory: Path
    instruments: int
    items: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def classification_json(c: Classification, rulebook_version: str) -> dict[str, Any]:
    """The JSON of a classification (``lanthanide classify --format json`` and
    ``GET /api/v1/classify``): the classifier's fields and the rulebook version."""
    out = c.to_dict()
    out["rulebook_version"] = rulebook_version
    return out


def _date(field: str, value: date | str | None) -> date | None:
    from lanthanide.decide import CaseError

    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CaseError(field, f"'{value}' is not a date; use YYYY-MM-DD") from None


class Lanthanide:
    """China's export-control rules as one object: checks, classification,
    rules views, screening, supply scenarios and the registry.

    ``rulebook``: a loaded :class:`~lanthanide.rules.Rulebook`, a directory of
    rulebook YAML files, or ``None`` for the rulebook bundled with the
    package. ``overlays``: directories of instrument YAML loaded on top of it
    (:mod:`lanthanide.rules.overlay`); ``None`` reads
    ``LANTHANIDE_RULEBOOK_OVERLAYS`` / ``LANTHANIDE_RULEBOOK_PATH``, ``[]``
    loads none (ignored when ``rulebook`` is a loaded Rulebook). Nothing is
    loaded until a method needs it.
    """

    def __init__(
        self,
        rulebook: Rulebook | str | os.PathLike[str] | None = None,
        overlays: list[str | os.PathLike[str]] | None = None,
    ) -> None:
        self._overlays: list[Path] | None = (
            None if overlays is None else [Path(o) for o in overlays]
        )
        if rulebook is None or isinstance(rulebook, str | os.PathLike):
            self._given: Rulebook | None = None
            self._directory: Path | None = None if rulebook is None else Path(rulebook)
        else:
            self._given = rulebook
            self._directory = None

    def __repr__(self) -> str:
        where = "bundled" if self._directory is None else str(self._directory)
        if self._given is not None:
            where = f"version {self._given.version}"
        return f"<Lanthanide rulebook {where}>"

    # ----------------------------------------------------------- wiring
    @cached_property
    def rulebook(self) -> Rulebook:
        """The rulebook (loaded and validated on first use; raises
        :class:`~lanthanide.rules.RulebookError` listing every problem)."""
        if self._given is not None:
            return self._given
        from lanthanide.rules.book import load_rulebook

        return load_rulebook(self._directory, overlays=self._overlays)

    @cached_property
    def _classifier(self) -> Classifier:
        from lanthanide.classify import Classifier

        return Classifier.cached(self.rulebook)

    @cached_property
    def _engine(self) -> Engine:
        from lanthanide.decide import Engine

        return Engine(self.rulebook)

    def _decide(self, case: Case) -> Determination:
        """The one place a case becomes a determination: a case given by text
        alone is read by the classifier first (:func:`lanthanide._check.check`)."""
        from lanthanide import _check

        classifier = self._classifier if _check.needs_reading(case) else None
        return _check.check(self._engine, classifier, case)

    # ------------------------------------------------------------ check
    def case(self, **raw: Unpack[CaseFields]) -> Case:
        """Validate raw input into a :class:`~lanthanide.decide.Case`; raises
        :class:`~lanthanide.decide.CaseError` naming the field."""
        from lanthanide.countries import codes
        from lanthanide.decide import make_case

        return make_case(**raw, countries=codes())

    def check(self, case: Case | None = None, /, **raw: Unpack[CaseFields]) -> Determination:
        """Decide a case: a :class:`~lanthanide.decide.Case`, or its raw fields
        (validated as :meth:`case` does)."""
        if case is None:
            case = self.case(**raw)
        elif raw:
            raise TypeError("check() takes a Case or raw fields, not both")
        return self._decide(case)

    def determination_json(self, d: Determination, *, trace: bool = True) -> dict[str, Any]:
        """The one JSON form of a determination, as ``check --format json`` and
        ``POST /api/v1/check`` give it: :meth:`Determination.to_dict` plus the
        user overlays this instance's rulebook was loaded with."""
        data = d.to_dict(trace=trace)
        data["overlays"] = [o.as_dict() for o in self.rulebook.overlays]
        return data

    def check_text(
        self,
        text: str,
        *,
        kind: str | None = None,
        destination: str | None = None,
        on: date | str | None = None,
        end_use: str | None = None,
        end_user: str | None = None,
        params: Mapping[str, Any] | None = None,
        consignee: str | None = None,
    ) -> Determination:
        """Decide a case described by free text (``"germanium 4N5"``)."""
        return self.check(
            text=text,
            kind=kind,
            destination=destination,
            on=on,
            end_use=end_use,
            end_user=end_user,
            consignee=consignee,
            params=params,
        )

    # --------------------------------------------------------- classify
    def classify(
        self, text: str, *, kind: str | None = None, top: int = 5, on: date | str | None = None
    ) -> Classification:
        """Rank catalogue items, control codes and HS 2022 headings for
        ``text``, with matched terms, confidence and parameters found.
        ``on``: rank on that date: an item not in force then ranks below one
        in force covering the same elements and kind, and each result
        carries its ``status_on`` (and ``demoted`` when it was ranked down)."""
        from lanthanide.decide import CaseError

        if not text.strip():
            raise CaseError("text", "give a non-empty text")
        if not 1 <= top <= MAX_TOP:
            raise CaseError("top", f"{top} is out of range (allowed: 1 to {MAX_TOP})")
        if kind is not None and kind not in ("goods", "technology"):
            raise CaseError("kind", f"'{kind}' is not allowed (allowed: goods, technology)")
        day = _date("on", on)
        return self._classifier.classify(text, kind=kind, top=top, on=day)

    # ------------------------------------------------------------ rules
    def instruments(
        self, *, on: date | str | None = None, regime: str | None = None
    ) -> list[dict[str, Any]]:
        """The instruments (in force on ``on``, of ``regime``), oldest first."""
        from lanthanide.decide import CaseError
        from lanthanide.rules import report
        from lanthanide.rules.model import Regime

        day = _date("on", on)
        regimes = set(get_args(Regime))
        if regime is not None and regime not in regimes:
            raise CaseError(
                "regime", f"'{regime}' is not allowed (allowed: {', '.join(sorted(regimes))})"
            )
        return report.list_instruments(self.rulebook, on=day, regime=regime)

    def instrument(self, ident: str) -> dict[str, Any]:
        """One instrument, by id or official number, with its items, controls,
        sources and suspensions; raises ``LookupError`` naming the known ids."""
        from lanthanide.rules import report

        return report.show(self.rulebook, ident)

    def diff(self, a: str, b: str) -> dict[str, Any]:
        """Items added, removed and modified between two catalogue versions or
        instruments, with the declared counts; raises ``LookupError``."""
        from lanthanide.rules import report

        return report.diff(self.rulebook, a, b)

    def coverage(self) -> dict[str, Any]:
        """How much of each catalogue version and partly encoded list is encoded."""
        from lanthanide.rules import report

        return report.coverage(self.rulebook)

    def validate_overlays(self, directories: list[str | os.PathLike[str]]) -> Validation:
        """Validate overlay directories on top of this instance's base
        rulebook (the bundled one by default): every problem by file and field."""
        from lanthanide.decide import CaseError
        from lanthanide.rules.loader import default_dir

        dirs = [Path(d) for d in directories]
        for d in dirs:
            if not d.is_dir():
                raise CaseError("directory", f"'{d}' is not a directory")
        from lanthanide.rules.book import load_rulebook
        from lanthanide.rules.loader import RulebookError

        try:
            book = load_rulebook(self._directory, overlays=dirs)
        except RulebookError as exc:
            return Validation(dirs[0], 0, 0, tuple(exc.problems))
        insts = list(book.instruments.values())
        n_items = sum(len(i.items) for i in insts)
        return Validation(dirs[0] if dirs else default_dir(), len(insts), n_items, ())

    def validate(self, directory: str | os.PathLike[str] | None = None) -> Validation:
        """Validate the rulebook files in ``directory`` (default: this
        instance's rulebook directory, else the bundled one)."""
        from lanthanide.decide import CaseError
        from lanthanide.rules.loader import RulebookError, default_dir, load_instruments

        root = Path(directory) if directory is not None else self._directory or default_dir()
        if not root.is_dir():
            raise CaseError("directory", f"'{root}' is not a directory")
        try:
            insts = load_instruments(root)
        except RulebookError as exc:
            return Validation(root, 0, 0, tuple(exc.problems))
        return Validation(root, len(insts), sum(len(i.items) for i in insts), ())

    # ----------------------------------------------------------- screen
    def screen(
        self,
        src: str | os.PathLike[str],
        out: str | os.PathLike[str],
        *,
        engine: str = "duckdb",
        fmt: Literal["csv", "parquet"] | None = None,
        rejects: str | os.PathLike[str] | None = None,
        spark_master: str | None = None,
        progress: Progress | None = None,
        columns: list[str] | None = None,
        detail: Literal["normalised", "inline"] = "normalised",
        workers: int | None = None,
        memory_limit: str | None = None,
        strict_ids: bool = False,
    ) -> Summary:
        """Screen a file of declarations (CSV or Parquet) with the semantics
        of :meth:`check`: one output line per input line (its input
        ``columns``, verdict, effects, instruments, items, question and
        warning codes, ``determination_id``), each distinct determination
        once in ``OUT.determinations.*`` (``detail="inline"``: per-line JSON
        columns instead), rejected lines with the reason in ``rejects``;
        ``workers`` processes decide (default: the cores); ``memory_limit``
        (DuckDB, e.g. ``"2GB"``) spills to a directory beside ``out``.
        ``strict_ids``: reject the lines whose line id is on another line
        (default: flag them, ``input_warnings``). Returns the summary."""
        from lanthanide.screen import InputError, make_engine, screen

        if spark_master is not None and engine != "spark":
            raise InputError("--spark-master", "only with --engine spark")
        dest = Path(out)
        temp = dest.with_name(f".{dest.name}.spill") if memory_limit is not None else None
        with make_engine(
            engine, spark_master, memory_limit=memory_limit, temp_directory=temp
        ) as eng:
            return screen(
                eng,
                self.rulebook,
                Path(src),
                dest,
                fmt=fmt,
                rejects=None if rejects is None else Path(rejects),
                progress=progress,
                columns=columns,
                detail=detail,
                workers=workers,
                strict_ids=strict_ids,
            )

    def generate_declarations(
        self,
        out: str | os.PathLike[str],
        *,
        lines: int,
        seed: int = 1,
        reject_rate: float = 0.001,
    ) -> int:
        """Write realistic synthetic declarations to ``out`` (same seed, same
        file); returns the number of lines written."""
        from lanthanide.decide import CaseError
        from lanthanide.screen.generate import generate

        path = Path(out)
        if lines < 0:
            raise CaseError("lines", f"{lines} must be 0 or more")
        if not 0.0 <= reject_rate <= 1.0:
            raise CaseError("reject_rate", f"{reject_rate} must be between 0 and 1")
        if not path.parent.exists():
            raise CaseError("out", f"directory '{path.parent}' does not exist")
        return generate(path, lines=lines, seed=seed, reject_rate=reject_rate, book=self.rulebook)

    # ----------------------------------------------------------- supply
    def shares(
        self, commodity: str, stage: str, year: int, edition: str | None = None
    ) -> dict[str, Any]:
        """Shares by country for a stage and year, each with source, edition
        and reliability tag."""
        from lanthanide.supply.queries import shares

        return shares(commodity, stage, year, edition)

    def exposure(self, country: str, commodity: str, year: int | None = None) -> dict[str, Any]:
        """Per-stage exposure of one country (production share, net import
        reliance, through-China share, concentration)."""
        from lanthanide.supply.queries import exposure

        return exposure(country.upper(), commodity, year)

    def replays(self) -> list[dict[str, Any]]:
        """Replays of past export controls, modelled against observed changes."""
        from lanthanide.supply.replay import replays

        return replays()

    def scenario(self, spec: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
        """Solve a scenario, given as a YAML file or as its parsed mapping:
        shortfall per country and stage, flows, binding constraints, balance.

        Controls taken from the rulebook (``controls[].rulebook``) are read
        from the bundled rulebook."""
        from lanthanide.supply import engine
        from lanthanide.supply.scenario import load, parse

        scn = parse(spec) if isinstance(spec, Mapping) else load(Path(spec))
        return engine.run(scn)

    # --------------------------------------------------------- registry
    def registry(self, url: str | Database | None = None) -> Registry:
        """The licence and reporting registry at ``url`` (SQLAlchemy URL; default
        ``LANTHANIDE_DATABASE_URL``, else a SQLite file in the user data
        directory; or an open :class:`~lanthanide.registry.db.Database`),
        created and migrated on first use. Its determinations are this
        object's (same rulebook, same engine)."""
        from lanthanide.registry import Registry
        from lanthanide.registry.db import Database, get_database

        db = url if isinstance(url, Database) else get_database(url)
        bundled = self._given is None and self._directory is None and not self._overlays
        return Registry(db, None if bundled else self.rulebook, decide=self._decide)

    # ---------------------------------------------------------- parties
    def screen_party(
        self, name: str, on: date | str | None = None, country: str | None = None
    ) -> dict[str, Any]:
        """A party name screened against China's party lists on ``on``
        (default today): every match (best first) with its confidence,
        explanation, status and effects, and the lists checked. JSON-ready.
        Raises :class:`~lanthanide.decide.CaseError` naming ``name``, ``on``
        or ``country`` on bad input."""
        from lanthanide.decide import CaseError
        from lanthanide.parties import lists_checked, screen_name

        if not isinstance(name, str) or not name.strip():
            raise CaseError("name", "a party name may not be empty")
        if len(name) > MAX_PARTY_NAME:
            raise CaseError("name", f"a party name is at most {MAX_PARTY_NAME} characters")
        if country is not None and (len(country) != 2 or not country.isalpha()):
            raise CaseError("country", f"'{country}' is not an ISO 3166-1 alpha-2 code like 'US'")
        day = _date("on", on) or date.today()
        lists = self.rulebook.lists
        matches = screen_name(name, lists, day, country.upper() if country else None)
        return {
            "query": name,
            "on": day.isoformat(),
            "country": country.upper() if country else None,
            "confident": any(m.confident for m in matches),
            "matches": [_party_match_json(m) for m in matches],
            "lists_checked": _lists_checked_json(lists_checked(lists, day)),
            "rulebook_version": self.rulebook.version,
        }

    def party_lists(self, list: str | None = None, on: date | str | None = None) -> dict[str, Any]:
        """Every listed party (of one list: ``control``, ``watch``,
        ``unreliable``, ``countermeasure`` or a full list id) with its status
        and effects on ``on`` (default today). JSON-ready."""
        from lanthanide.decide import CaseError
        from lanthanide.parties import effects_for, listing_state, lists_checked
        from lanthanide.rules.lists import LIST_KINDS

        kind: str | None = None
        if list is not None:
            kind = PARTY_LIST_ALIASES.get(list, list)
            if kind not in LIST_KINDS:
                allowed = ", ".join(PARTY_LIST_ALIASES)
                raise CaseError("list", f"'{list}' is not a list; use one of {allowed}")
        day = _date("on", on) or date.today()
        lists = self.rulebook.lists
        rows = []
        for le in lists.of(None if kind is None else [kind]):
            if le.announcement.effective > day:
                continue
            effects = effects_for(le, day)
            e = le.entry
            rows.append(
                {
                    "entry": le.uid,
                    "name": {"zh": e.name.zh, "en": e.name.en},
                    "aliases": [*e.aliases],
                    "country": e.country,
                    "list": le.list,
                    "number": le.announcement.number,
                    "effective": le.announcement.effective.isoformat(),
                    "status": listing_state(effects),
                    "effects": [_effect_json(x) for x in effects],
                    "tag": e.tag,
                }
            )
        return {
            "on": day.isoformat(),
            "list": kind,
            "entries": rows,
            "lists_checked": _lists_checked_json(lists_checked(lists, day)),
            "rulebook_version": self.rulebook.version,
        }

    def export_ftm(self, out: str | os.PathLike[str]) -> int:
        """Write the party lists as FollowTheMoney entities to ``out``, one
        JSON object per line; returns how many were written."""
        import json

        from lanthanide.parties import to_ftm

        n = 0
        with open(out, "w", encoding="utf-8") as fh:
            for entity in to_ftm(self.rulebook.lists):
                fh.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
                n += 1
        return n


@cache
def default() -> Lanthanide:
    """The process's :class:`Lanthanide` on the bundled rulebook, shared by the
    command line and :func:`lanthanide.api.app.create_app` (so that one
    process builds the classifier once)."""
    return Lanthanide()


MAX_PARTY_NAME = 500
"""The longest party name screened (characters)."""

PARTY_LIST_ALIASES = {
    "control": "control_list",
    "watch": "watch_list",
    "unreliable": "unreliable_entity_list",
    "countermeasure": "countermeasure_list",
}
"""Short names of the four party lists (``--list control``)."""


def _source_json(s: Any) -> dict[str, Any]:
    return {k: v for k, v in s.model_dump(mode="json").items() if v is not None}


def _effect_json(e: ListEffect) -> dict[str, Any]:
    return {
        "list": e.list,
        "number": e.number,
        "measure": e.measure,
        "kind": e.kind,
        "activity": e.activity,
        "items": e.items,
        "effect": e.effect,
        "end_uses": None if e.end_uses is None else [*e.end_uses],
        "status": e.status,
        "applies": e.applies,
        "by": e.by,
        "text": {"zh": e.text.zh, "en": e.text.en},
        "assumed": e.assumed,
        "tag": e.tag,
        "sources": [_source_json(s) for s in e.sources],
    }


def _party_match_json(m: PartyMatch) -> dict[str, Any]:
    x = m.explanation
    e = m.entry.entry
    return {
        "entry": m.entry.uid,
        "name": {"zh": e.name.zh, "en": e.name.en},
        "country": e.country,
        "list": m.list,
        "number": m.number,
        "score": round(m.score, 4),
        "confidence": m.confidence,
        "confident": m.confident,
        "status": m.status,
        "explanation": {
            "summary": x.summary(),
            "matched_name": x.matched_name,
            "name_kind": x.name_kind,
            "script": x.script,
            "method": x.method,
            "country": x.country,
            "tokens": [
                {"query": t.query, "listed": t.listed, "similarity": round(t.similarity, 4)}
                for t in x.tokens
            ],
            "unmatched_query": [*x.unmatched_query],
            "unmatched_listed": [*x.unmatched_listed],
        },
        "effects": [_effect_json(f) for f in m.effects],
        "question": None if m.confident else m.question().en,
        "related": [r.entry.uid for r in m.related],
    }


def _lists_checked_json(c: ListsChecked) -> dict[str, Any]:
    return {
        "on": c.on.isoformat(),
        "announcements": [{"list": a, "number": n, "effective": d} for a, n, d in c.announcements],
        "counts": dict(c.counts),
        "data_as_of": c.data_as_of.isoformat() if c.data_as_of else None,
        "incomplete": [*c.incomplete],
        "warnings": [w.en for w in c.warnings],
    }
