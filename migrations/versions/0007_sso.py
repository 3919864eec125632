"""publisher single sign-on: per-site SSO settings, users, comments by a user, threads closing at a time

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('site_settings', schema=None) as batch:
        batch.add_column(sa.Column('sso_secret', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('sso_public_key', sa.Text(), nullable=True))
        batch.add_column(sa.Column('sso_mode', sa.String(length=16), server_default='anonymous', nullable=False))
        batch.add_column(sa.Column('login_url', sa.String(length=2048), nullable=True))
        batch.add_column(
            sa.Column('require_signed_articles', sa.Boolean(), server_default='0', nullable=False)
        )
        batch.add_column(sa.Column('sso_edit_window', sa.Integer(), server_default='86400', nullable=False))
        batch.add_column(sa.Column('auto_close_days', sa.Integer(), nullable=True))
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site', sa.String(length=128), nullable=False),
        sa.Column('sub', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('avatar_url', sa.String(length=2048), nullable=True),
        sa.Column('url', sa.String(length=2048), nullable=True),
        sa.Column('is_staff', sa.Boolean(), server_default='0', nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
        sa.UniqueConstraint('site', 'sub', name=op.f('uq_users_site')),
    )
    with op.batch_alter_table('comments', schema=None) as batch:
        batch.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('author_avatar_url', sa.String(length=2048), nullable=True))
        batch.create_foreign_key(batch.f('fk_comments_user_id_users'), 'users', ['user_id'], ['id'])
        batch.create_index('ix_comments_user_created', ['user_id', 'created_at'], unique=False)
    with op.batch_alter_table('threads', schema=None) as batch:
        batch.add_column(sa.Column('close_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('article_token_issued_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('threads', schema=None) as batch:
        batch.drop_column('article_token_issued_at')
        batch.drop_column('close_at')
    with op.batch_alter_table('comments', schema=None) as batch:
        batch.drop_index('ix_comments_user_created')
        batch.drop_constraint(batch.f('fk_comments_user_id_users'), type_='foreignkey')
        batch.drop_column('author_avatar_url')
        batch.drop_column('user_id')
    op.drop_table('users')
    with op.batch_alter_table('site_settings', schema=None) as batch:
        for column in (
            'auto_close_days',
            'sso_edit_window',
            'require_signed_articles',
            'login_url',
            'sso_mode',
            'sso_public_key',
            'sso_secret',
        ):
            batch.drop_column(column)
