"""The registry: parties and users, licence applications and decisions,
licences drawn down by shipments, rare-earth export reports, audit log.

Public entry point: :class:`Registry` (see ``docs/registry.md``). Modules by
concept: :mod:`roles`, :mod:`actors`, :mod:`parties`, :mod:`states`,
:mod:`applications`, :mod:`licences`, :mod:`reports`, :mod:`audit`,
:mod:`procedures` (the law's deadlines and validities, from the rulebook),
:mod:`workdays`, :mod:`db`, :mod:`models`, :mod:`schemas`.
"""

from lanthanide.registry.actors import CLI, Actor
from lanthanide.registry.context import Clock, Decide, system_clock
from lanthanide.registry.db import Database, get_database
from lanthanide.registry.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    RegistryError,
    Unauthorized,
)
from lanthanide.registry.service import Registry

__all__ = [
    "CLI",
    "Actor",
    "Clock",
    "Conflict",
    "Database",
    "Decide",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Registry",
    "RegistryError",
    "Unauthorized",
    "get_database",
    "system_clock",
]
