"""flood sketches: each flood key row carries its comment's whole sketch; four keys a comment, not twelve

Nullable, so the previous release, which stores no sketch, still posts during a rolling upgrade; rows
without one are never taken for a copy, and they leave with the flood window.

Revision ID: 0013_flood_sketches
Revises: 0012_geo_retention
Create Date: 2026-12-02 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_flood_sketches'
down_revision = '0012_geo_retention'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('flood_keys') as batch:
        batch.add_column(sa.Column('sketch', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('flood_keys') as batch:
        batch.drop_column('sketch')
