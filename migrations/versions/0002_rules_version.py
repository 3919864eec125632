"""rules version: a token that changes with bans and sensitive words; duplicate check indexed per thread

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 00:30:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    rules_version = op.create_table(
        'rules_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rules_version')),
    )
    # Random, not a counter: a database restored or recreated never repeats a token a server has seen.
    op.bulk_insert(rules_version, [{'id': 1, 'token': secrets.token_hex(16)}])
    # The duplicate-post check scanned every recent comment from the address (one NAT, one office...).
    op.drop_index('ix_comments_client_ip_created', table_name='comments')
    op.create_index('ix_comments_thread_client_created', 'comments', ['thread_id', 'client_ip', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_comments_thread_client_created', table_name='comments')
    op.create_index('ix_comments_client_ip_created', 'comments', ['client_ip', 'created_at'])
    op.drop_table('rules_version')
