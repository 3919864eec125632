"""counts versions: a token per site that changes with every change to a stored count there

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:10:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    counts_versions = op.create_table(
        'counts_versions',
        sa.Column('site', sa.String(length=128), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('site', name=op.f('pk_counts_versions')),
    )
    # Random, not a counter: a database restored or recreated never repeats a token a server has seen.
    sites = op.get_bind().execute(sa.text('SELECT DISTINCT site FROM threads')).scalars().all()
    if sites:
        op.bulk_insert(counts_versions, [{'site': site, 'token': secrets.token_hex(16)} for site in sites])


def downgrade() -> None:
    op.drop_table('counts_versions')
