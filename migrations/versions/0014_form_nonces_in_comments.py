"""form nonces in comments: a form token's nonce is spent by the comment row that carries it

The unique index (partial: only comments with a nonce are in it) makes the post's own insert the
single-use check, one statement fewer a post than a row in spent_nonces. Tokens issued before this
release carry no format mark and are still spent in spent_nonces, so a token used once before the
upgrade is still refused after it. Nullable: the previous release still posts during a rolling upgrade
(its comments carry no nonce). While both releases serve, a new token used on a server of the previous
release can be used once more on an upgraded one (kept as spam only if another check catches it);
the window closes when the last old server is replaced.

Revision ID: 0014_form_nonces_in_comments
Revises: 0013_flood_sketches
Create Date: 2026-12-03 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_form_nonces_in_comments'
down_revision = '0013_flood_sketches'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('comments') as batch:
        batch.add_column(sa.Column('form_nonce', sa.String(length=32), nullable=True))
    op.create_index(
        'ix_comments_form_nonce',
        'comments',
        ['form_nonce'],
        unique=True,
        sqlite_where=sa.text('form_nonce IS NOT NULL'),
        postgresql_where=sa.text('form_nonce IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_comments_form_nonce', table_name='comments')
    with op.batch_alter_table('comments') as batch:
        batch.drop_column('form_nonce')
