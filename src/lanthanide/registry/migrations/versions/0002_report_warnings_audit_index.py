"""report warnings; index on audit_log (entity, entity_id, seq)

Revision ID: 0002
Revises: 0001

``reports.warnings`` holds the warnings a report was accepted with (JSON),
e.g. a shipment date after a reporting period whose end is uncertain. The
index makes "the latest audit entry of this row" (checked on every
authentication) a cheap lookup.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warnings", sa.Text(), nullable=True))
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_entity", table_name="audit_log")
    # a plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch copy of
    # ``reports`` would trip the foreign keys of ``report_versions``
    op.execute("ALTER TABLE reports DROP COLUMN warnings")
