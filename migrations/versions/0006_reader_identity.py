"""reader identity: comments remember the keyed hash of the identity that posted them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('comments', schema=None) as batch:
        batch.add_column(sa.Column('identity_key', sa.String(length=40), nullable=True))
        batch.create_index('ix_comments_identity_created', ['identity_key', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('comments', schema=None) as batch:
        batch.drop_index('ix_comments_identity_created')
        batch.drop_column('identity_key')
