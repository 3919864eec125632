"""form defence: spent single-use nonces, API keys, per-site setting overrides, an address history index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'spent_nonces',
        sa.Column('nonce', sa.String(length=96), nullable=False),
        sa.Column('spent_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('nonce', name=op.f('pk_spent_nonces')),
    )
    op.create_index('ix_spent_nonces_spent_at', 'spent_nonces', ['spent_at'], unique=False)
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site', sa.String(length=128), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=128), server_default='', nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash')),
    )
    op.create_table(
        'site_overrides',
        sa.Column('site', sa.String(length=128), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint('site', 'name', name=op.f('pk_site_overrides')),
    )
    op.create_table(
        'overrides_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_overrides_version')),
    )
    with op.batch_alter_table('comments', schema=None) as batch:
        batch.create_index('ix_comments_client_created', ['client_ip', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('comments', schema=None) as batch:
        batch.drop_index('ix_comments_client_created')
    op.drop_table('overrides_version')
    op.drop_table('site_overrides')
    op.drop_table('api_keys')
    op.drop_index('ix_spent_nonces_spent_at', table_name='spent_nonces')
    op.drop_table('spent_nonces')
