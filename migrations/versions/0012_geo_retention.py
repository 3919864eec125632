"""geo and retention: a keyed hash of the comment's address, and its region label (IP属地)

Revision ID: 0012_geo_retention
Revises: 0009
Create Date: 2026-12-02 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_geo_retention'
down_revision = '0011_picks_participants'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('comments') as batch:
        batch.add_column(sa.Column('client_ip_key', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('region_zh', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('region_en', sa.String(length=64), nullable=True))
    op.create_index('ix_comments_client_ip_key', 'comments', ['client_ip_key'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_comments_client_ip_key', table_name='comments')
    with op.batch_alter_table('comments') as batch:
        batch.drop_column('region_en')
        batch.drop_column('region_zh')
        batch.drop_column('client_ip_key')
