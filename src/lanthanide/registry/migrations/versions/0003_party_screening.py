"""party screening of applications; notes on audit entries

Revision ID: 0003
Revises: 0002

``applications.consignee`` (optional) is screened with the end user on
submission; ``applications.screening`` holds the result (JSON: the parties
screened, their matches with list, notice and effect, the lists checked and
the date). ``audit_log.note`` carries the reason of an audited refusal that
stores nothing else (a shipment refused because its end user is listed).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consignee", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("screening", sa.Text(), nullable=True))
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    # plain DROP COLUMN (SQLite >= 3.35), as in 0002: a batch copy would trip foreign keys
    op.execute("ALTER TABLE audit_log DROP COLUMN note")
    op.execute("ALTER TABLE applications DROP COLUMN screening")
    op.execute("ALTER TABLE applications DROP COLUMN consignee")
