"""State machines: licence applications and shipments.

Each machine is one transition table, ``(state, action) -> next state``, with
the roles allowed to take each action and the refusal each action gives from
any other state. Every state change and every state check in the registry
goes through these tables.

Applications::

    draft --submit--> submitted --review--> under_review --approve--> approved
                                                          --deny----> denied
    draft | submitted | under_review --withdraw--> withdrawn
    draft --edit--> draft   (the exporter replaces a draft's contents)
    submitted | under_review --pause--> (same state)   (a period off the decision clock)

(An officer's decision on a ``submitted`` application first takes it under
review, audited as its own step.)

Shipments: ``ship`` creates a ``used`` shipment, ``reserve`` a ``reserved``
one; a reservation is then confirmed (``used``) or cancelled (``cancelled``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Generic, Literal, TypeVar, cast, get_args

from lanthanide.registry.actors import Actor
from lanthanide.registry.errors import Conflict
from lanthanide.registry.roles import ADMIN, EXPORTER, OFFICER, Role

AppState = Literal["draft", "submitted", "under_review", "approved", "denied", "withdrawn"]
AppAction = Literal["edit", "submit", "withdraw", "review", "approve", "deny", "pause"]
ShipmentState = Literal["reserved", "used", "cancelled"]
ShipmentAction = Literal["ship", "reserve", "confirm", "cancel"]

S = TypeVar("S", bound=str)
A = TypeVar("A", bound=str)


@dataclass(frozen=True)
class Machine(Generic[S, A]):
    """A transition table with the roles and refusal message of each action.

    ``initial`` maps the actions that create a record to its first state;
    refusal templates may use ``{state}`` (the current state) and ``{ident}``.
    """

    what: str
    table: Mapping[tuple[S, A], S]
    roles: Mapping[A, tuple[Role, ...]]
    refusals: Mapping[A, str]
    initial: Mapping[A, S]

    def allows(self, state: str, action: A) -> bool:
        return (state, action) in self.table

    def authorise(self, actor: Actor, action: A) -> None:
        """Forbidden unless the actor's role may take ``action``."""
        actor.require(*self.roles[action])

    def next(self, state: str, action: A, *, ident: int | None = None) -> S:
        """The state after ``action``; :class:`Conflict` ``bad_state`` if it is
        not allowed from ``state``."""
        nxt = self.table.get((cast(S, state), action))
        if nxt is None:
            raise Conflict("bad_state", self.refusals[action].format(state=state, ident=ident))
        return nxt

    def start(self, action: A) -> S:
        return self.initial[action]

    def sources(self, action: A) -> tuple[S, ...]:
        """The states ``action`` is allowed from."""
        return tuple(s for (s, a) in self.table if a == action)


APPLICATION: Final[Machine[AppState, AppAction]] = Machine(
    what="licence application",
    table={
        ("draft", "edit"): "draft",
        ("draft", "submit"): "submitted",
        ("draft", "withdraw"): "withdrawn",
        ("submitted", "withdraw"): "withdrawn",
        ("under_review", "withdraw"): "withdrawn",
        ("submitted", "review"): "under_review",
        ("under_review", "approve"): "approved",
        ("under_review", "deny"): "denied",
        ("submitted", "pause"): "submitted",
        ("under_review", "pause"): "under_review",
    },
    roles={
        "edit": (EXPORTER,),
        "submit": (EXPORTER,),
        "withdraw": (EXPORTER,),
        "review": (OFFICER,),
        "approve": (OFFICER,),
        "deny": (OFFICER,),
        "pause": (OFFICER, ADMIN),
    },
    refusals={
        "edit": "only a draft can be edited (this one is {state})",
        "submit": "only a draft can be submitted (this one is {state})",
        "withdraw": "a {state} application cannot be withdrawn",
        "review": "only a submitted application can be taken under review (this one is {state})",
        "approve": "only a submitted or under-review application can be decided "
        "(this one is {state})",
        "deny": "only a submitted or under-review application can be decided (this one is {state})",
        "pause": "the decision clock runs only for a submitted or under-review application "
        "(this one is {state})",
    },
    initial={},
)

APP_STATES: Final[tuple[AppState, ...]] = get_args(AppState)

DECISION_ACTIONS: Final[tuple[AppAction, ...]] = ("review", "approve", "deny")


def awaiting_decision(state: str) -> bool:
    """True while an officer may still act on the application (its decision
    deadline is running)."""
    return any(APPLICATION.allows(state, a) for a in DECISION_ACTIONS)


SHIPMENT: Final[Machine[ShipmentState, ShipmentAction]] = Machine(
    what="shipment",
    table={
        ("reserved", "confirm"): "used",
        ("reserved", "cancel"): "cancelled",
    },
    roles={
        "ship": (EXPORTER,),
        "reserve": (EXPORTER,),
        "confirm": (EXPORTER,),
        "cancel": (EXPORTER,),
    },
    refusals={
        "ship": "a shipment is created, not changed, by shipping",
        "reserve": "a shipment is created, not changed, by reserving",
        "confirm": "shipment {ident} is {state}, not reserved",
        "cancel": "shipment {ident} is {state}, not reserved",
    },
    initial={"ship": "used", "reserve": "reserved"},
)
