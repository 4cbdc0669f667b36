"""Batch screening of customs declarations (DuckDB embedded, Spark distributed).

One rule semantics: lines are validated and reduced to keys with set-based
SQL that both engines run unchanged (:mod:`lanthanide.screen.sql`); each
distinct key is decided once by :func:`lanthanide.decide.decide`; the
results are joined back onto the lines in SQL, and each distinct
determination is written once, keyed by its ``determination_id``
(:mod:`lanthanide.screen.determinations`).
"""

from __future__ import annotations

from lanthanide.screen.compile import KeySpace, rule_rows
from lanthanide.screen.determinations import determination_id, expand
from lanthanide.screen.engine_duckdb import DuckDBEngine
from lanthanide.screen.engine_spark import SparkEngine, spark_session
from lanthanide.screen.engines import ENGINES, InputError, SqlEngine, make_engine
from lanthanide.screen.resolve import Resolver, shape
from lanthanide.screen.run import DETAILS, Summary, determinations_path, rejects_path, screen
from lanthanide.screen.sql import INPUT_COLUMNS, OUTPUT_COLUMNS, REQUIRED_COLUMNS

__all__ = [
    "DETAILS",
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
    "determination_id",
    "determinations_path",
    "expand",
    "make_engine",
    "rejects_path",
    "rule_rows",
    "screen",
    "shape",
    "spark_session",
]
