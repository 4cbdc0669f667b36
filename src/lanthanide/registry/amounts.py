"""Quantities and money as integers: thousandths of a unit and cents.

Stored as integers so sums are exact on SQLite and PostgreSQL alike; the
inputs are :class:`~decimal.Decimal` with at most 3 (quantity) or 2 (money)
decimals, the outputs floats.
"""

from __future__ import annotations

from decimal import Decimal


def to_milli(q: Decimal) -> int:
    return int(q * 1000)


def to_cents(v: Decimal) -> int:
    return int(v * 100)


def from_milli(milli: int) -> float:
    return milli / 1000


def from_cents(cents: int) -> float:
    return cents / 100
