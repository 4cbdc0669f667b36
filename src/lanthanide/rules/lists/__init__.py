"""China's party lists as data: announcements, listed entries, measures, status periods.

One YAML file under a ``lists/`` directory of a rulebook (``rulebook/cn/lists/``)
holds one :class:`ListAnnouncement`: the notice that puts entities on one of
MOFCOM's lists — the export-control control list (出口管制管控名单), the watch
list (关注名单), the unreliable entity list (不可靠实体清单) or a countermeasure
order under the Anti-Foreign Sanctions Law (反制清单) — with

- the entries it lists (names in Chinese and English, aliases from the sources,
  country, reliability tag, sources),
- the measures it imposes, as structured effects (:class:`Measure`),
- the periods in which those measures were suspended, stopped or cancelled
  (:class:`StatusPeriod`), each with the instrument or Q&A that did it, and a
  politically announced extension without legal text kept apart
  (:class:`AnnouncedExtension`).

Everything here is validated data; matching names is ``lanthanide.parties``'
job, and applying effects to a determination is ``decide``'s. Dates are
half-open ``[start, end)`` as everywhere in the rulebook.
"""

from lanthanide.rules.lists.load import (
    LISTS_DIR,
    ListProblem,
    check_list_references,
    error_text,
    is_list_file,
    load_lists,
    load_lists_with_overlays,
    parse_list_file,
)
from lanthanide.rules.lists.model import (
    EFFECT_RANK,
    EXPORT_ACTIVITIES,
    LIST_KINDS,
    LIST_TITLES,
    Activity,
    Adjustment,
    AnnouncedExtension,
    Entry,
    ItemScope,
    ListAnnouncement,
    ListingStatus,
    ListKind,
    ListSource,
    Measure,
    MeasureKind,
    Name,
    PartyEffect,
    StatusPeriod,
)
from lanthanide.rules.lists.status import (
    MeasureStatus,
    Reading,
    apply_adjustments,
    measure_status,
)
from lanthanide.rules.lists.view import (
    ListedEntry,
    PartyLists,
)

__all__ = [
    "EFFECT_RANK",
    "EXPORT_ACTIVITIES",
    "LISTS_DIR",
    "LIST_KINDS",
    "LIST_TITLES",
    "Activity",
    "Adjustment",
    "AnnouncedExtension",
    "Entry",
    "ItemScope",
    "ListAnnouncement",
    "ListKind",
    "ListProblem",
    "ListSource",
    "ListedEntry",
    "ListingStatus",
    "Measure",
    "MeasureKind",
    "MeasureStatus",
    "Name",
    "PartyEffect",
    "PartyLists",
    "Reading",
    "StatusPeriod",
    "apply_adjustments",
    "check_list_references",
    "error_text",
    "is_list_file",
    "load_lists",
    "load_lists_with_overlays",
    "measure_status",
    "parse_list_file",
]
