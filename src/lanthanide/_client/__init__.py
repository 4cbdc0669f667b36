"""The public Python API: :class:`Lanthanide`, one object holding one rulebook.

Everything the command line and the HTTP API do goes through one instance of
this class, method for command (each area in its module of this
package: ``check``, ``rules``, ``screen``, ``supply``, ``parties``; the
shared wiring in ``core``)::

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

from functools import cache

from lanthanide._client.check import MAX_TOP, CaseFields, Checks, classification_json
from lanthanide._client.parties import MAX_PARTY_NAME, PARTY_LIST_ALIASES, Parties
from lanthanide._client.rules import RulesViews, Validation
from lanthanide._client.screen import Screening
from lanthanide._client.supply import SupplyAndRegistry

__all__ = [
    "MAX_PARTY_NAME",
    "MAX_TOP",
    "PARTY_LIST_ALIASES",
    "CaseFields",
    "Lanthanide",
    "Validation",
    "classification_json",
    "default",
]


class Lanthanide(Checks, RulesViews, Screening, SupplyAndRegistry, Parties):
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


@cache
def default() -> Lanthanide:
    """The process's :class:`Lanthanide` on the bundled rulebook, shared by the
    command line and :func:`lanthanide.api.app.create_app` (so that one
    process builds the classifier once)."""
    return Lanthanide()
