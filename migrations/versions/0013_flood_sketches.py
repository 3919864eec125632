"""flood sketches: each flood key row carries its comment's whole sketch; four keys a comment, not twelve

The table is made anew: its rows only serve the flood window's lookups (an hour by default), and rows
of the old layout have no sketch to compare with.

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


def _create_flood_keys(*sketch: sa.Column) -> None:
    op.create_table('flood_keys',
    sa.Column('site', sa.String(length=128), nullable=False),
    sa.Column('sketch_key', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    *sketch,
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_flood_keys_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site', 'sketch_key', 'created_at', 'comment_id', name=op.f('pk_flood_keys')),
    sqlite_with_rowid=False
    )


def upgrade() -> None:
    op.drop_table('flood_keys')
    _create_flood_keys(sa.Column('sketch', sa.LargeBinary(), nullable=False))


def downgrade() -> None:
    op.drop_table('flood_keys')
    _create_flood_keys()
