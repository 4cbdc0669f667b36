"""Registry commands: ``lanthanide admin ...``, ``lanthanide audit verify`` and
``lanthanide registry ...``.

The database is ``--database-url``, else ``LANTHANIDE_DATABASE_URL``, else a
SQLite file in the user's data directory (the same default as
``lanthanide serve``); it is created and migrated on first use.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from lanthanide.cli.common import Fmt, Group, client, emit, err, fail, out, print_json
from lanthanide.vocab import VOCAB

if TYPE_CHECKING:
    from lanthanide.registry import Registry

admin_app = typer.Typer(
    cls=Group, help="Manage registry parties, users and tokens.", no_args_is_help=True
)
audit_app = typer.Typer(cls=Group, help="Check the registry's audit trail.", no_args_is_help=True)
registry_app = typer.Typer(
    cls=Group,
    help="Licence-registry operations for officers: re-evaluation, review clock pauses.",
    no_args_is_help=True,
)

ENV_URL = "LANTHANIDE_DATABASE_URL"
"""= ``lanthanide.registry.db.ENV_URL``, written out so that loading the CLI
does not import SQLAlchemy (a test checks that the two agree)."""


DbUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar=ENV_URL,
        help="SQLAlchemy URL (sqlite:///path or postgresql://...); default: a SQLite file "
        "in the user data directory.",
    ),
]


def check_database_url(url: str | None, *, must_exist: bool = False) -> None:
    """Refuse (exit 2 naming ``--database-url``) a URL SQLAlchemy cannot read or
    has no driver for, and, with ``must_exist``, a SQLite file that does not
    exist (rather than create an empty database)."""
    import os

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from lanthanide.registry.db import default_url, normalise_url

    given = url if url is not None else os.environ.get(ENV_URL) or None
    try:
        parsed = make_url(normalise_url(given or default_url()))
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        fail(f"--database-url: not a database URL this installation can open ({exc})")
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if path in ("", ":memory:") or path.startswith("file:"):
            return
        if os.path.isdir(path):
            fail(f"--database-url: {path} is a directory, not a SQLite file")
        if must_exist and not os.path.exists(path):
            fail(f"--database-url: no such database: {path} (nothing was created)")


def _registry(url: str | None, *, must_exist: bool = False) -> Registry:
    """The registry at ``url`` once :func:`check_database_url` accepts it."""
    check_database_url(url, must_exist=must_exist)
    return client().registry(url)


RoleOpt = StrEnum("RoleOpt", {r: r for r in VOCAB.role_ids})  # type: ignore[misc]


class PartyKind(StrEnum):
    exporter = "exporter"
    authority = "authority"


@admin_app.command("create-party")
def create_party(
    name: Annotated[str, typer.Option("--name", help="Party name (unique).")],
    kind: Annotated[PartyKind, typer.Option(help="exporter or authority.")] = PartyKind.exporter,
    uscc: Annotated[
        str | None, typer.Option(help="Unified social credit code (18 characters, checked).")
    ] = None,
    address: Annotated[str | None, typer.Option(help="Address.")] = None,
    database_url: DbUrl = None,
) -> None:
    """Create a party (an exporter or an authority).

    Example: lanthanide admin create-party --name "Baotou Rare Earth Co." --uscc 91150200MA0N8ABC19
    """
    p = _registry(database_url).create_party(name=name, kind=kind.value, uscc=uscc, address=address)
    out.print(f"party {p.id}: {p.name} ({p.kind})", highlight=False)


@admin_app.command("create-user")
def create_user(
    name: Annotated[str, typer.Option("--name", help="User name (unique).")],
    role: Annotated[RoleOpt, typer.Option(help="exporter, officer, analyst or admin.")],
    party: Annotated[
        str | None,
        typer.Option(help="Party name; created if missing (required for exporters)."),
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="Output format.")] = Fmt.table,
    database_url: DbUrl = None,
) -> None:
    """Create a user and print its API token once (only its hash is stored).

    Example: lanthanide admin create-user --name alice --role exporter --party "Acme Rare Earths"
    """
    u, token = _registry(database_url).create_user(name=name, role=role.value, party=party)
    if fmt is Fmt.json:
        data = {"id": u.id, "name": u.name, "role": u.role, "party_id": u.party_id, "token": token}
        print_json(data, indent=None, ensure_ascii=True)
        return
    err.print(f"user {u.id}: {u.name} ({u.role}); the token is shown once:", highlight=False)
    sys.stdout.write(token + "\n")


@admin_app.command("revoke-token")
def revoke_token(
    name: Annotated[str, typer.Option("--name", help="User whose token is revoked.")],
    database_url: DbUrl = None,
) -> None:
    """Revoke a user's API token at once (audited as user.revoke); the user then
    gets 401. Create a new user for a new token.

    Example: lanthanide admin revoke-token --name alice
    """
    u, changed = _registry(database_url).revoke_token(name)
    note = "token revoked" if changed else "token was already revoked"
    out.print(f"user {u.id}: {u.name} ({u.role}): {note}", highlight=False)


@admin_app.command("list-users")
def list_users(
    fmt: Annotated[Fmt, typer.Option("--format", help="Output format.")] = Fmt.table,
    database_url: DbUrl = None,
) -> None:
    """List users with their roles and parties (never tokens).

    Example: lanthanide admin list-users --format json
    """
    emit(fmt, _registry(database_url).list_users(), _render_users)


def _render_users(users: list[dict[str, Any]]) -> None:
    t = Table("id", "name", "role", "party", "active")
    for u in users:
        t.add_row(str(u["id"]), u["name"], u["role"], u["party"] or "—", str(u["active"]))
    out.print(t)


@audit_app.command("verify")
def verify(
    fmt: Annotated[Fmt, typer.Option("--format", help="Output format.")] = Fmt.table,
    database_url: DbUrl = None,
) -> None:
    """Verify the audit hash chain and every business row against it; exit 1
    naming each edited or deleted row.

    Example: lanthanide audit verify
    """
    v = _registry(database_url, must_exist=True).verify_audit()
    if fmt is Fmt.json:
        print_json(v.to_dict(), ensure_ascii=True)
    elif v.ok and v.entries == 0:
        out.print(
            f"[yellow]empty chain[/]: the audit log has no entries ({v.rows} rows checked); "
            "nothing is attested",
            markup=True,
            highlight=False,
        )
    elif v.ok:
        out.print(
            f"[green]✓[/] audit chain intact: {v.entries} entries, {v.rows} rows checked "
            f"(head {v.head_hash[:16]})",
            markup=True,
            highlight=False,
        )
    else:
        for p in v.problems:
            err.print(f"[red]✗[/] {escape(f'{p.kind}: {p.message}')}", markup=True, highlight=False)
        err.print(f"{len(v.problems)} problem(s); {v.entries} entries, {v.rows} rows checked.")
    if not v.ok:
        raise typer.Exit(1)


def _day(value: str | None, flag_name: str) -> Any:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag_name}: '{value}' is not a date; use YYYY-MM-DD")


@registry_app.command("reevaluate")
def reevaluate(
    on: Annotated[
        str | None,
        typer.Option("--on", help="Date to re-evaluate for, YYYY-MM-DD (default today)."),
    ] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="Output format.")] = Fmt.table,
    database_url: DbUrl = None,
) -> None:
    """Re-run the determination for every open application (submitted, under
    review) and every licence valid on the date, with the current rulebook;
    store and audit each result; mark licences whose basis changed
    ``basis_changed`` (what they authorise does not change).

    Example: lanthanide registry reevaluate --on 2026-11-10
    """
    day = _day(on, "--on")
    res = _registry(database_url, must_exist=True).reevaluate(on=day)
    emit(fmt, res.model_dump(mode="json"), _render_run)


def _render_run(run: dict[str, Any]) -> None:
    t = Table("id", "record", "verdict before", "verdict after", "changed", "basis", "what changed")
    for r in run["records"]:
        t.add_row(
            str(r["id"]),
            f"{r['kind']} {r['record_id']}",
            r["verdict_before"] or "—",
            r["verdict_after"],
            "yes" if r["changed"] else "no",
            "basis_changed" if r["basis_changed"] else "as before",
            escape("; ".join(r["changes"])) or "—",
        )
    out.print(t)
    out.print(
        f"{run['evaluated']} record(s) re-evaluated on {run['on']} (rulebook "
        f"{run['rulebook_version'][:12]}, data as of {run['data_as_of']}): {run['stored']} "
        f"stored, {run['already']} already stored for this date and rulebook, {run['changed']} "
        f"changed since the previous determination, {run['basis_changed']} differ from "
        f"their basis; run {run['run']}",
        highlight=False,
    )


class PauseKindOpt(StrEnum):
    identification = "identification"
    expert_consultation = "expert_consultation"
    on_site_check = "on_site_check"


def _render_clock(app: dict[str, Any]) -> None:
    t = Table("pause", "kind", "start", "end", "note")
    for p in app["clock_pauses"]:
        t.add_row(
            str(p["id"]), p["kind_text"], p["start"], p["end"] or "running", escape(p["note"] or "")
        )
    out.print(t)
    out.print(
        f"application {app['id']} ({app['state']}): deadline {app['deadline']} "
        f"(without pauses {app['deadline_without_pauses'] or app['deadline']}; "
        f"{app['paused_working_days']} working day(s) paused, 国务院令第792号 Art. 17(3))"
        + (f"; {app['deadline_note']}" if app["deadline_note"] else ""),
        highlight=False,
    )


@registry_app.command("pause-clock")
def pause_clock(
    application: Annotated[int, typer.Option("--application", min=1, help="Application id.")],
    kind: Annotated[PauseKindOpt, typer.Option("--kind", help="What the time is needed for.")],
    start: Annotated[str, typer.Option("--start", help="First day excluded, YYYY-MM-DD.")],
    end: Annotated[
        str | None, typer.Option("--end", help="Last day excluded (inclusive); omit while running.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What is being done.")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="Output format.")] = Fmt.table,
    database_url: DbUrl = None,
) -> None:
    """Record a period excluded from an application's 45-working-day time
    limit (国务院令第792号 Art. 17(3): identification, expert consultation,
    on-site checks); prints the moved deadline. Audited.

    Example: lanthanide registry pause-clock --application 3 --kind on_site_check --start 2026-03-02
    """
    from lanthanide.registry.schemas import ClockPauseIn

    data = ClockPauseIn(
        kind=kind.value, start=_day(start, "--start"), end=_day(end, "--end"), note=note
    )
    app = _registry(database_url, must_exist=True).pause_clock(_cli_actor(), application, data)
    emit(fmt, app.model_dump(mode="json"), _render_clock)


@registry_app.command("end-pause")
def end_pause(
    application: Annotated[int, typer.Option("--application", min=1, help="Application id.")],
    pause: Annotated[int, typer.Option("--pause", min=1, help="Clock pause id.")],
    end: Annotated[str, typer.Option("--end", help="Last day excluded (inclusive), YYYY-MM-DD.")],
    fmt: Annotated[Fmt, typer.Option("--format", help="Output format.")] = Fmt.table,
    database_url: DbUrl = None,
) -> None:
    """Set (or correct) the last day of a clock pause; prints the deadline.

    Example: lanthanide registry end-pause --application 3 --pause 1 --end 2026-03-13
    """
    from lanthanide.registry.schemas import PauseEndIn

    data = PauseEndIn(end=_day(end, "--end"))
    app = _registry(database_url, must_exist=True).end_clock_pause(
        _cli_actor(), application, pause, data
    )
    emit(fmt, app.model_dump(mode="json"), _render_clock)


def _cli_actor() -> Any:
    from lanthanide.registry.actors import CLI

    return CLI
