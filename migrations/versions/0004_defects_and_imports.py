"""hold reasons, body format, report networks and reporter standings, idempotency keys per site, unique bans,
imported comments

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('comments') as batch:
        batch.add_column(sa.Column('hold_reasons', sa.String(length=128), server_default='', nullable=False))
        batch.add_column(sa.Column('body_format', sa.String(length=8), server_default='markdown', nullable=False))
    with op.batch_alter_table('reports') as batch:
        batch.add_column(sa.Column('network_key', sa.String(length=64), server_default='', nullable=False))
    op.create_table(
        'reporter_standings',
        sa.Column('reporter_key', sa.String(length=64), nullable=False),
        sa.Column('upheld', sa.Integer(), server_default='0', nullable=False),
        sa.Column('dismissed', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('reporter_key', name=op.f('pk_reporter_standings')),
    )

    # Keys are scoped by site now, not by client address. A key lives a day; each existing one keeps
    # its comment, under that comment's site (the newest wins where two clients used one key).
    with op.batch_alter_table('idempotency_keys') as batch:
        batch.add_column(sa.Column('site', sa.String(length=128), server_default='default', nullable=False))
        batch.add_column(sa.Column('request_hash', sa.String(length=64), server_default='', nullable=False))
    op.execute('UPDATE idempotency_keys SET site = (SELECT threads.site FROM comments JOIN threads '
               'ON threads.id = comments.thread_id WHERE comments.id = idempotency_keys.comment_id)')
    op.execute('DELETE FROM idempotency_keys WHERE id NOT IN '
               '(SELECT MAX(id) FROM idempotency_keys GROUP BY site, key)')
    with op.batch_alter_table('idempotency_keys') as batch:
        batch.drop_constraint('uq_idempotency_keys_client_key', type_='unique')
        batch.drop_column('client_key')
        batch.alter_column('site', server_default=None)
        batch.create_unique_constraint(op.f('uq_idempotency_keys_site'), ['site', 'key'])

    # The same ban twice banned nothing more; keep the first of each.
    op.execute('DELETE FROM bans WHERE id NOT IN (SELECT MIN(id) FROM bans GROUP BY kind, value)')
    with op.batch_alter_table('bans') as batch:
        batch.create_unique_constraint(op.f('uq_bans_kind'), ['kind', 'value'])

    op.create_table(
        'imported_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site', sa.String(length=128), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('source_id', sa.String(length=255), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'],
                                name=op.f('fk_imported_comments_comment_id_comments'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_comments')),
        sa.UniqueConstraint('site', 'source', 'source_id', name=op.f('uq_imported_comments_site')),
    )


def downgrade() -> None:
    op.drop_table('imported_comments')
    with op.batch_alter_table('bans') as batch:
        batch.drop_constraint('uq_bans_kind', type_='unique')
    with op.batch_alter_table('idempotency_keys') as batch:
        batch.drop_constraint('uq_idempotency_keys_site', type_='unique')
        batch.add_column(sa.Column('client_key', sa.String(length=64), server_default='', nullable=False))
        batch.drop_column('request_hash')
        batch.drop_column('site')
        batch.create_unique_constraint('uq_idempotency_keys_client_key', ['client_key', 'key'])
    op.drop_table('reporter_standings')
    with op.batch_alter_table('reports') as batch:
        batch.drop_column('network_key')
    with op.batch_alter_table('comments') as batch:
        batch.drop_column('body_format')
        batch.drop_column('hold_reasons')
