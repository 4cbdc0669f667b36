"""periods excluded from an application's decision time limit

Revision ID: 0005
Revises: 0004

``clock_pauses`` records, per application, a period the Dual-Use Items
Export Control Regulations (国务院令第792号) Art. 17(3) exclude from the
45-working-day review time limit: identification (组织鉴别), consulting
experts (征询专家意见), on-site checks of the exporter or the end user
(实地核查). ``end`` is empty while the period is running.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clock_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_clock_pauses_application_id", "clock_pauses", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_clock_pauses_application_id", table_name="clock_pauses")
    op.drop_table("clock_pauses")
