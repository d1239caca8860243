"""staff_login_attempts: the client address, so failures lock an account only from there

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_login_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("client", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_login_attempts", schema=None) as batch_op:
        batch_op.drop_column("client")
