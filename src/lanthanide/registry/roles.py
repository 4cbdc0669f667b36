"""Roles and what each may do: the one place where the registry names its roles.

An action is allowed when the actor's role is in its permission's tuple (the
order of a tuple is the order error messages list the allowed roles in). The
application state machine (:mod:`lanthanide.registry.states`) names the roles
of each transition with the constants below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, get_args

Role = Literal["exporter", "officer", "analyst", "admin"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)
"""Equal to ``VOCAB.role_ids`` (the roles in ``vocab/data/roles.yaml``; a test checks it)."""

EXPORTER: Final[Role] = "exporter"
OFFICER: Final[Role] = "officer"
ANALYST: Final[Role] = "analyst"
ADMIN: Final[Role] = "admin"

PARTY_SCOPED: Final[frozenset[Role]] = frozenset({EXPORTER})
"""Roles that belong to a party (required when the user is created) and see
only their own party's records; another party's records do not exist for them."""

Permission = Literal[
    "read", "apply", "ship", "report", "summarise", "verify_audit", "reevaluate", "pause_clock"
]
PERMISSIONS: Final[Mapping[Permission, tuple[Role, ...]]] = {
    # read applications, licences, shipments and reports (exporters: their party's)
    "read": (EXPORTER, OFFICER, ADMIN),
    # create a licence application (its later steps are in the state machine)
    "apply": (EXPORTER,),
    # record, confirm and cancel shipments on a licence
    "ship": (EXPORTER,),
    # submit and amend rare-earth export reports
    "report": (EXPORTER,),
    # report totals by element, destination and month
    "summarise": (ANALYST, OFFICER, ADMIN),
    # walk the audit chain
    "verify_audit": (OFFICER, ADMIN),
    # re-run the determination of open applications and valid licences; list the results
    "reevaluate": (OFFICER, ADMIN),
    # record a period excluded from an application's decision time limit
    "pause_clock": (OFFICER, ADMIN),
}


def default_party_kind(role: Role) -> str:
    """The kind of a party created on the fly for a new user of ``role``."""
    return "exporter" if role in PARTY_SCOPED else "authority"
