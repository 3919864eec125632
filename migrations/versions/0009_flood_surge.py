"""flood and surge: similarity sketch keys of recent comments, flood clusters, per-article comment rates

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('flood_keys',
    sa.Column('site', sa.String(length=128), nullable=False),
    sa.Column('sketch_key', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_flood_keys_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site', 'sketch_key', 'created_at', 'comment_id', name=op.f('pk_flood_keys')),
    sqlite_with_rowid=False
    )
    op.create_table('flood_clusters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flood_clusters'))
    )
    op.create_index('ix_flood_clusters_site_status', 'flood_clusters', ['site', 'status', 'id'], unique=False)
    op.create_table('flood_members',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['flood_clusters.id'], name=op.f('fk_flood_members_cluster_id_flood_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_flood_members_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_flood_members'))
    )
    op.create_index('ix_flood_members_cluster_id', 'flood_members', ['cluster_id', 'comment_id'], unique=False)
    op.create_table('article_rates',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('minute_start', sa.DateTime(), nullable=False),
    sa.Column('minute_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('usual_per_minute', sa.Float(), server_default='0', nullable=False),
    sa.Column('surge_until', sa.DateTime(), nullable=True),
    sa.Column('surge_started_at', sa.DateTime(), nullable=True),
    sa.Column('surge_peak_per_minute', sa.Integer(), server_default='0', nullable=False),
    sa.Column('calm_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_article_rates_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', name=op.f('pk_article_rates'))
    )
    op.create_index('ix_article_rates_surge_until', 'article_rates', ['surge_until'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_article_rates_surge_until', table_name='article_rates')
    op.drop_table('article_rates')
    op.drop_index('ix_flood_members_cluster_id', table_name='flood_members')
    op.drop_table('flood_members')
    op.drop_index('ix_flood_clusters_site_status', table_name='flood_clusters')
    op.drop_table('flood_clusters')
    op.drop_table('flood_keys')
