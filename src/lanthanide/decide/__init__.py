"""Determinations: ``Case -> Determination`` with findings, questions and warnings."""

from lanthanide.decide.engine import Engine, decide, engine_for, eval_condition
from lanthanide.decide.model import (
    RANK,
    Case,
    CaseError,
    Determination,
    Finding,
    Question,
    Warning,
    make_case,
)

__all__ = [
    "RANK",
    "Case",
    "CaseError",
    "Determination",
    "Engine",
    "Finding",
    "Question",
    "Warning",
    "decide",
    "engine_for",
    "eval_condition",
    "make_case",
]
