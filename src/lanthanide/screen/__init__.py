"""Batch screening of customs declarations (DuckDB embedded, Spark distributed).

One rule semantics: lines are validated and reduced to keys with set-based
SQL that both engines run unchanged (:mod:`lanthanide.screen.sql`); each
distinct key is decided once by :func:`lanthanide.decide.decide`; the
results are joined back onto the lines in SQL.
"""

from __future__ import annotations

from lanthanide.screen.compile import KeySpace, rule_rows
from lanthanide.screen.engine_duckdb import DuckDBEngine
from lanthanide.screen.engine_spark import SparkEngine, spark_session
from lanthanide.screen.engines import ENGINES, InputError, SqlEngine, make_engine
from lanthanide.screen.resolve import Resolver, shape
from lanthanide.screen.run import Summary, screen
from lanthanide.screen.sql import INPUT_COLUMNS, OUTPUT_COLUMNS, REQUIRED_COLUMNS

__all__ = [
    "ENGINES",
    "INPUT_COLUMNS",
    "OUTPUT_COLUMNS",
    "REQUIRED_COLUMNS",
    "DuckDBEngine",
    "InputError",
    "KeySpace",
    "Resolver",
    "SparkEngine",
    "SqlEngine",
    "Summary",
    "make_engine",
    "rule_rows",
    "screen",
    "shape",
    "spark_session",
]
