"""Determinations: ``Case -> Determination`` with findings, questions and warnings.

Imports only :mod:`lanthanide.rules`: a text is read into candidate items by
the classifier, and ``lanthanide._check.check`` joins the two.
"""

from lanthanide.decide.engine import Engine, TextNeedsReading, decide
from lanthanide.decide.evaluate import eval_condition
from lanthanide.decide.model import (
    END_USE_HELP,
    END_USES,
    KINDS,
    RANK,
    Candidate,
    Case,
    CaseError,
    Determination,
    Finding,
    Question,
    Reading,
    Warning,
    make_case,
)
from lanthanide.decide.notices import RARE_EARTHS
from lanthanide.decide.warnings import QuestionCode, WarningCode
from lanthanide.rules.window import Window

__all__ = [
    "END_USES",
    "END_USE_HELP",
    "KINDS",
    "RANK",
    "RARE_EARTHS",
    "Candidate",
    "Case",
    "CaseError",
    "Determination",
    "Engine",
    "Finding",
    "Question",
    "QuestionCode",
    "Reading",
    "TextNeedsReading",
    "Warning",
    "WarningCode",
    "Window",
    "decide",
    "eval_condition",
    "make_case",
]
