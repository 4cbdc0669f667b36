"""re-evaluations of open applications and valid licences; a licence's basis status

Revision ID: 0004
Revises: 0003

``reevaluations`` keeps every re-run of the determination (record kind and
id, the date it was run for, the rulebook version, the verdict before and
after, the determination, whether it changed, who ran it). ``licences``
gains ``basis_status`` (``basis_changed`` once a re-evaluation differs from
the determination the licence was issued on), ``basis_verdict`` and
``basis_reevaluation_id``; what a licence authorises never changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reevaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("rulebook_version", sa.String(length=64), nullable=False),
        sa.Column("data_as_of", sa.Date(), nullable=False),
        sa.Column("verdict_before", sa.String(length=40), nullable=True),
        sa.Column("verdict_after", sa.String(length=40), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("basis_changed", sa.Boolean(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("determination", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reevaluations_record", "reevaluations", ["kind", "record_id", "id"])
    op.create_index("ix_reevaluations_run", "reevaluations", ["run"])
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("basis_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("basis_verdict", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("basis_reevaluation_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE licences DROP COLUMN basis_reevaluation_id")
    op.execute("ALTER TABLE licences DROP COLUMN basis_verdict")
    op.execute("ALTER TABLE licences DROP COLUMN basis_status")
    op.drop_index("ix_reevaluations_run", table_name="reevaluations")
    op.drop_index("ix_reevaluations_record", table_name="reevaluations")
    op.drop_table("reevaluations")
