"""Registry commands: ``lanthanide admin ...`` and ``lanthanide audit verify``.

The database is ``--database-url``, else ``LANTHANIDE_DATABASE_URL``, else a
SQLite file in the user's data directory (the same default as
``lanthanide serve``); it is created and migrated on first use.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, NoReturn

import typer
from rich.table import Table

from lanthanide.cli_common import Fmt, err, out
from lanthanide.registry import Registry
from lanthanide.registry.db import ENV_URL, get_database
from lanthanide.registry.errors import Conflict, Invalid, RegistryError

admin_app = typer.Typer(help="Manage registry parties, users and tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the registry's audit trail.", no_args_is_help=True)


DbUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar=ENV_URL,
        help="SQLAlchemy URL (sqlite:///path or postgresql://...); default: a SQLite file "
        "in the user data directory.",
    ),
]

_FLAG = {"name": "--name", "role": "--role", "party": "--party", "uscc": "--uscc", "kind": "--kind"}


class RoleOpt(StrEnum):
    exporter = "exporter"
    officer = "officer"
    analyst = "analyst"
    admin = "admin"


class PartyKind(StrEnum):
    exporter = "exporter"
    authority = "authority"


def _fail(exc: RegistryError) -> NoReturn:
    if isinstance(exc, Invalid):
        for f, m in exc.errors:
            err.print(f"[bold red]Error:[/] {_FLAG.get(f, f)}: {m}", highlight=False)
    else:
        flag = _FLAG.get(exc.field or "", exc.field)
        err.print(
            f"[bold red]Error:[/] {flag + ': ' if flag else ''}{exc.message}", highlight=False
        )
    raise typer.Exit(2 if isinstance(exc, Invalid | Conflict) else 1)


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
    try:
        p = Registry(get_database(database_url)).create_party(
            name=name, kind=kind.value, uscc=uscc, address=address
        )
    except RegistryError as exc:
        _fail(exc)
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
    try:
        u, token = Registry(get_database(database_url)).create_user(
            name=name, role=role.value, party=party
        )
    except RegistryError as exc:
        _fail(exc)
    if fmt is Fmt.json:
        data = {"id": u.id, "name": u.name, "role": u.role, "party_id": u.party_id, "token": token}
        sys.stdout.write(json.dumps(data) + "\n")
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
    try:
        u, changed = Registry(get_database(database_url)).revoke_token(name)
    except RegistryError as exc:
        _fail(exc)
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
    users = Registry(get_database(database_url)).list_users()
    if fmt is Fmt.json:
        sys.stdout.write(json.dumps(users, ensure_ascii=False, indent=2) + "\n")
        return
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
    v = Registry(get_database(database_url)).verify_audit()
    if fmt is Fmt.json:
        sys.stdout.write(json.dumps(v.to_dict(), indent=2) + "\n")
    elif v.ok:
        out.print(
            f"[green]✓[/] audit chain intact: {v.entries} entries, {v.rows} rows checked "
            f"(head {v.head_hash[:16]})",
            highlight=False,
        )
    else:
        for p in v.problems:
            err.print(f"[red]✗[/] {p.kind}: {p.message}", highlight=False)
        err.print(f"{len(v.problems)} problem(s); {v.entries} entries, {v.rows} rows checked.")
    if not v.ok:
        raise typer.Exit(1)
