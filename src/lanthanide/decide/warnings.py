"""Warning and question codes: the public vocabulary of a determination.

A warning or question is a code and its parameters; its text is rendered
from the code's template, so every date, code and number it quotes is also a
parameter (``params`` in the JSON). Some codes have several templates (a
*form*, named by the parameter ``form``). The table in ``docs/warnings.md``
is generated from this module (:data:`REGENERATE`) and checked by a test.

Template fields: ``{name}`` inserts a parameter; a list parameter is joined
with the separator given as its format (``{lines}``: ", ", ``{lines:; }``:
"; "); ``{effect:words}`` writes an effect with spaces (``licence required``).
The parameter ``on`` is always the case's date. Parameters are JSON values
(dates as ISO strings, lists as tuples).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Seq(tuple[str, ...]):
    """A list parameter: formats as its items joined by the format spec."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return (spec or ", ").join(self)


class Effect(str):
    """An effect parameter: ``{effect:words}`` writes it with spaces."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        if spec == "words":
            return self.replace("_", " ")
        return str.__format__(self, spec)


@dataclass(frozen=True, slots=True)
class Spec:
    meaning: str
    templates: Mapping[str, str]
    """form -> template; the form ``""`` is the default."""


class WarningCode(StrEnum):
    """Codes of ``Determination.warnings`` (the JSON ``code``; duties are
    ``duty:<duty id>``)."""

    UNKNOWN_CODE = "unknown-code"
    NO_TEXT_MATCH = "no-text-match"
    PARAMS_FROM_TEXT = "params-from-text"
    HS_ITEM_MISMATCH = "hs-item-mismatch"
    DRAFT_NUMBER = "draft-number"
    UNCERTAIN_VALUE = "uncertain-value"
    ENDED_NO_RENEWAL = "ended-no-renewal"
    SUSPENSION_END_UNKNOWN = "suspension-end-unknown"
    END_USE_CONDITIONAL = "end-use-conditional"
    CATALOGUE_NONE = "catalogue-none"
    CATALOGUE_CARRY_OVER_UNKNOWN = "catalogue-carry-over-unknown"
    CATALOGUE_COVERAGE = "catalogue-coverage"
    COVERAGE = "coverage"
    AFTER_DATA_DATE = "after-data-date"
    DUTY = "duty"
    CHECKED = "checked"
    UNDETERMINED = "undetermined"
    TEXT_CANDIDATES_AGREE = "text-candidates-agree"
    TEXT_CANDIDATES_CROSS_LIST = "text-candidates-cross-list"
    DUAL_USE_CATALOGUE = "dual-use-catalogue"
    DUAL_USE_CATALOGUE_EARLIER = "dual-use-catalogue-earlier"
    UNCERTAIN_STATUS = "uncertain-status"
    PARTY_LISTS_CHECKED = "party-lists-checked"
    PARTY_LISTING_NOT_IN_FORCE = "party-listing-not-in-force"
    PARTY_DUTY = "party-duty"
    PARTY_LISTING_NOTE = "party-listing-note"
    CATCH_ALL = "catch-all"

    @property
    def spec(self) -> Spec:
        return WARNINGS[self]


class QuestionCode(StrEnum):
    """Codes of ``Determination.questions`` (the JSON ``code``)."""

    HS_HEADING = "hs-heading"
    HS_LINES = "hs-lines"
    TEXT_WEAK = "text-weak"
    TEXT_SEVERAL = "text-several"
    DESTINATION = "destination"
    END_USE = "end-use"
    PARAMS = "params"
    CATALOGUE_SPEC = "catalogue-spec"
    LEGAL_STATUS = "legal-status"
    PARTY_POSSIBLE_MATCH = "party-possible-match"
    PARTY_END_USE = "party-end-use"
    PARTY_MEASURES_UNKNOWN = "party-measures-unknown"

    @property
    def spec(self) -> Spec:
        return QUESTIONS[self]


_COVER = {
    "": "{encoded} of {declared} items encoded",
    "total-unknown": "{encoded} items encoded, total not known",
}

W = WarningCode
WARNINGS: dict[WarningCode, Spec] = {
    W.UNKNOWN_CODE: Spec(
        "The item code given is not encoded; the answer is undetermined, never free.",
        {
            "": "'{code}' is not a code in this rulebook.",
            "code-like": "'{code}' looks like a catalogue number or control code, but it is "
            "not encoded in this rulebook; the lists it may belong to are only partly encoded.",
        },
    ),
    W.NO_TEXT_MATCH: Spec(
        "The text names no encoded item with confidence; the answer cannot rest on it.",
        {
            "": "No encoded item matches the text '{text}' with confidence; the answer "
            "cannot rest on it.",
            "weak": "No encoded item matches the text '{text}' with confidence (weak "
            "candidates: {weak}); the answer cannot rest on it.",
        },
    ),
    W.PARAMS_FROM_TEXT: Spec(
        "Technical parameters were read from the text (a given parameter wins).",
        {"": "Parameters read from the text: {values}; give --param to override."},
    ),
    W.HS_ITEM_MISMATCH: Spec(
        "The tariff line given is not a reference line of the item given; the item decides.",
        {"": "Tariff line {hs} is not a reference line of item {item}; the item code was used."},
    ),
    W.DRAFT_NUMBER: Spec(
        "The item's number comes from a draft and is not confirmed.",
        {"": "Item number {item} is taken from a draft; the final number is not confirmed."},
    ),
    W.UNCERTAIN_VALUE: Spec(
        "The item's reference tariff line is tagged uncertain (U).",
        {
            "": "Tariff line {hs} of item {item} is uncertain (U).",
            "note": "Tariff line {hs} of item {item} is uncertain (U): {note}.",
        },
    ),
    W.ENDED_NO_RENEWAL: Spec(
        "A control ran until a date and no renewal or successor was found.",
        {
            "": "{name} ({control}) ran until {end}; no renewal or successor was found, so "
            "it is not applied after that date.",
        },
    ),
    W.SUSPENSION_END_UNKNOWN: Spec(
        "A suspension relevant to the case ends (or ended) after the data date.",
        {
            "running": "{name} is suspended by {by} until {end}; that end lies after the "
            "data date {data_as_of}, so whether the suspension ends, is extended or is made "
            "permanent is not known.",
            "ended": "The suspension of {name} by {by} ran to {end}, after the data date "
            "{data_as_of}; the control is shown as applying again, but no source says "
            "whether the suspension was extended.",
        },
    ),
    W.END_USE_CONDITIONAL: Spec(
        "A control applies only for some end uses and the end use is not stated.",
        {
            "": "If the end user or end use is {end_uses: / }, {name} makes this export "
            "{effect:words}: {reason}",
        },
    ),
    W.CATALOGUE_NONE: Spec(
        "No version of the technology export catalogue is encoded for the date.",
        {"": "No version of the technology export catalogue is encoded for {on}."},
    ),
    W.CATALOGUE_CARRY_OVER_UNKNOWN: Spec(
        "An item of an earlier catalogue is neither encoded nor recorded as deleted in the "
        "version in force.",
        {
            form: "Item {item} is not encoded in the catalogue in force on {on}, {catalogue} "
            "({version} version), and it is not recorded as deleted: the re-issued catalogue "
            f"is only partly encoded ({cover}), so whether the technology is still listed "
            "(perhaps under another number) is not known."
            for form, cover in _COVER.items()
        },
    ),
    W.CATALOGUE_COVERAGE: Spec(
        "A technology matched no item of a partly encoded catalogue: listed or free is not known.",
        {
            form: "The technology export catalogue in force on {on}, {catalogue} ({version} "
            f"version), is only partly encoded ({cover}). This technology matched no encoded "
            "catalogue item, so whether it is prohibited, restricted or free (contract "
            "registration) is not known."
            for form, cover in _COVER.items()
        },
    ),
    W.COVERAGE: Spec(
        "A list is only partly encoded (and, for a tariff line under it, may still control it).",
        {
            "": "{name} is only partly encoded ({encoded} of {declared} {unit}: {scope}).",
            "gap": "Tariff line {hs} falls under {prefix}, where {name} is only partly "
            "encoded ({encoded} of {declared} {unit}: {scope}); it matched none of its "
            "encoded lines, so it may still be {effect:words} under it.",
            "gap-total-unknown": "Tariff line {hs} falls under {prefix}, where {name} is only "
            "partly encoded ({encoded} of an unknown number of {unit}: {scope}); it matched "
            "none of its encoded lines, so it may still be {effect:words} under it.",
        },
    ),
    W.AFTER_DATA_DATE: Spec(
        "The date is after the rulebook's data date: later law is not encoded.",
        {
            "": "{on} is after the rulebook's data date {data_as_of}: law made after that "
            "date is not encoded.",
        },
    ),
    W.DUTY: Spec(
        "A duty of an instrument in force (code ``duty:<duty id>``): catch-all, reporting, "
        "record keeping.",
        {"": "{name}: {text}"},
    ),
    W.CHECKED: Spec(
        "Not controlled: the instruments encoded and in force that were checked.",
        {
            "": "Not controlled by the instruments encoded and in force on {on}: "
            "{instruments:; }. Other Chinese export rules may still apply.",
        },
    ),
    W.UNDETERMINED: Spec(
        "Undetermined with no question or other warning to explain it.",
        {"": "The rulebook does not cover this case."},
    ),
    W.TEXT_CANDIDATES_AGREE: Spec(
        "The text names several items and each, taken as the item, gives the same verdict.",
        {
            "": "The text matches several items ({candidates}); taken as any one of them the "
            "export is {verdict:words}, so that is the answer. Check that the item is one of "
            "them.",
        },
    ),
    W.TEXT_CANDIDATES_CROSS_LIST: Spec(
        "The text names the same thing on several lists; each applies, the strictest decides.",
        {
            "": "The text matches items of different lists ({candidates}). One thing can be "
            "listed by several lists at once, so each was applied and the strictest effect "
            "decides. Check that the item is what these lists describe.",
        },
    ),
    W.DUAL_USE_CATALOGUE: Spec(
        "The tariff line is listed in the dual-use licence catalogue in force and no encoded "
        "item settles the case: the product may need a dual-use licence.",
        {
            "": "Tariff line {hs} is listed in the {edition} dual-use licence catalogue "
            "({name}) under {codes: or }; no encoded item settles it, so a dual-use export "
            "licence is needed if the product meets that specification (which line sits on "
            "which code: {tag}).",
        },
    ),
    W.DUAL_USE_CATALOGUE_EARLIER: Spec(
        "The tariff line is listed in a later edition of the dual-use licence catalogue; the "
        "edition in force on the date is not encoded, so a licence may be needed.",
        {
            "": "Tariff line {hs} is listed in the {edition} dual-use licence catalogue "
            "({name}, from {start}) under {codes: or }. The edition in force on {on} is not "
            "encoded: if the product met that specification then, a dual-use export licence "
            "may have been needed. Check the catalogue of that year.",
        },
    ),
    W.UNCERTAIN_STATUS: Spec(
        "A dated fact of uncertain legal effect bears on the case: the answer follows the "
        "default reading, the other reading is given under ``alternatives``.",
        {
            "": "The legal status '{status}' is uncertain (stated on {stated_on}). The answer "
            "follows the default reading '{default}' ({why}); under the reading '{reading}' "
            "(changes to {until}, {tag}) the export is {verdict:words}: see alternatives.",
        },
    ),
    W.PARTY_LISTS_CHECKED: Spec(
        "The end user matches no listed party with confidence: which lists were checked.",
        {
            "": "'{name}' matches no party on China's lists as of {on}. Lists checked: "
            "{lists_checked:; }. Gaps: {gaps:; }.",
            "possible": "'{name}' matches no listed party with confidence as of {on} (see the "
            "question on the possible match). Lists checked: {lists_checked:; }. "
            "Gaps: {gaps:; }.",
        },
    ),
    W.PARTY_LISTING_NOT_IN_FORCE: Spec(
        "The end user is listed, but the listing does not apply on the date.",
        {
            "": "'{name}' is {listed} on the {list} ({number}), but on {on} the listing is "
            "{status}{by}; its measures do not apply on that date.",
        },
    ),
    W.PARTY_DUTY: Spec(
        "A measure of the end user's listing imposes a duty (it does not change the verdict).",
        {"": "{listed}, listed by {number}: {text}"},
    ),
    W.PARTY_LISTING_NOTE: Spec(
        "What the list data does not know about the end user's listing on the date (a "
        "start time within the day, changes after the sources were searched).",
        {"": "{listed}, listed by {number}: {text}."},
    ),
    W.CATCH_ALL: Spec(
        "The declared end use may bring the Export Control Law catch-all into play.",
        {
            "": "The declared end use ({end_use}) is not by itself a ground of the "
            "catch-all of {name} {paragraph} (national security and interests, weapons of mass "
            "destruction, terrorism): a licence is needed if the use may endanger China's "
            "national security and interests; the military end-use bans for the US and Japan "
            "apply through their own controls.",
        },
    ),
}

Q = QuestionCode
QUESTIONS: dict[QuestionCode, Spec] = {
    Q.HS_HEADING: Spec(
        "An item gives only a heading as its reference code: does the tariff line hold it?",
        {
            "": "Item {item} ({title}) gives only the heading {heading} as its reference "
            "code; does tariff line {hs} hold that item?",
        },
    ),
    Q.HS_LINES: Spec(
        "A short tariff code covers several controlled 10-digit lines: which is it?",
        {
            "": "'{hs}' covers several tariff lines; which 10-digit line is it? Controlled "
            "lines under it: {lines}.",
        },
    ),
    Q.TEXT_WEAK: Spec(
        "The text names no item with confidence: is it one of the weak candidates?",
        {
            "": "The text matches no encoded item with confidence; is it one of these? "
            "{candidates:; }. If it is none of them, the rulebook may not cover it.",
        },
    ),
    Q.TEXT_SEVERAL: Spec(
        "The text names several items (or one only weakly): which is it?",
        {
            "": "The text matches several items (or one only weakly); which is it? "
            "Candidates: {candidates:; }.",
        },
    ),
    Q.DESTINATION: Spec(
        "A control depends on the destination and none is stated.",
        {
            "": "Which country is the destination? {name} ({paragraph}) applies to {mode} "
            "{countries}.",
        },
    ),
    Q.END_USE: Spec(
        "A control depends on the end use and none is stated.",
        {
            "": "What is the end use / end user? Under {name} ({paragraph}) the export is "
            "{effect:words} for end use: {end_uses}.",
        },
    ),
    Q.PARTY_POSSIBLE_MATCH: Spec(
        "The end user's name may be a listed party: is it?",
        {
            "": "Is '{name}' the listed entity {listed} ({country}) on the {list}, {number}? "
            "Name score {score} ({explanation}); if it is, the effect is: {effect:words}.",
        },
    ),
    Q.PARTY_END_USE: Spec(
        "A measure of the end user's listing depends on the end use, and none is stated.",
        {
            "": "What is the end use? {listed} is on the {list} ({number}); the export is "
            "{effect:words} for end use: {end_uses}.",
        },
    ),
    Q.PARTY_MEASURES_UNKNOWN: Spec(
        "The content of a measure of the end user's listing is not encoded.",
        {
            "": "{listed} is on the {list} ({number}), whose measures are not known here; "
            "check that notice before dealing with the party.",
        },
    ),
    Q.PARAMS: Spec(
        "An item is controlled only under a technical condition whose parameters are missing.",
        {"": "Item {item} ({title}) is controlled only if {condition}. Give: {units}."},
    ),
    Q.CATALOGUE_SPEC: Spec(
        "The tariff line is listed in the dual-use licence catalogue in force: does the "
        "product meet the specification of the listed control codes?",
        {
            "": "Does the item meet the technical specification of {codes: or }? Tariff line "
            "{hs} is listed under it in the {edition} dual-use licence catalogue ({name}; "
            "line-to-code pairing {tag}); if it does, a dual-use export licence is required.",
        },
    ),
    Q.LEGAL_STATUS: Spec(
        "The default reading of an uncertain status leaves the export free, another reading "
        "controls it: which is the law?",
        {
            "": "Which reading of the uncertain legal status '{status}' is the law? On the "
            "default reading '{default}' the export is not controlled; under '{reading}' "
            "(changes to {until}) it is {verdict:words}.",
        },
    ),
}


def render(spec: Spec, params: Mapping[str, Any]) -> str:
    """The text of a warning or question with these parameters."""
    template = spec.templates[params.get("form", "")]
    return template.format_map(params)


REGENERATE = (
    "python -c 'from lanthanide.decide.warnings import markdown; "
    'print(markdown(), end="")\' > docs/warnings.md'
)
"""The command that writes ``docs/warnings.md``."""


def markdown() -> str:
    """The table of ``docs/warnings.md``."""
    lines = [
        "# Warning and question codes",
        "",
        "Generated from `src/lanthanide/decide/warnings.py` (a test fails when this page",
        f"is stale; regenerate with `{REGENERATE}`).",
        "Each warning and question of a determination carries its `code`,",
        "its `params` and the `text` rendered from the code's template (the form is the",
        "parameter `form`; `{on}` is always the case's date).",
        "",
    ]
    for title, specs in (("Warnings", WARNINGS), ("Questions", QUESTIONS)):
        lines += [f"## {title}", "", "| code | meaning | form | template |", "|---|---|---|---|"]
        for code, spec in specs.items():
            shown = "duty:<id>" if code is W.DUTY else str(code)
            for i, (form, template) in enumerate(spec.templates.items()):
                cells = (
                    f"`{shown}`" if i == 0 else "",
                    spec.meaning if i == 0 else "",
                    f"`{form}`" if form else "",
                    template.replace("|", "\\|"),
                )
                lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)
