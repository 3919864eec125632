"""notifications: the outbox, subscribers and their subscriptions, webhook endpoints, moderator alerts,
deliveries and reply notices

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('site', sa.String(length=128), nullable=False),
    sa.Column('article', sa.String(length=512), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('count_changed', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('dispatched', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_events')),
    sa.UniqueConstraint('uid', name=op.f('uq_outbox_events_uid'))
    )
    op.create_index('ix_outbox_events_dispatched', 'outbox_events', ['dispatched', 'id'], unique=False)
    op.create_table('subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=8), server_default='zh-CN', nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('confirmation_sent_at', sa.DateTime(), nullable=True),
    sa.Column('unsubscribed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscribers')),
    sa.UniqueConstraint('email', name=op.f('uq_subscribers_email'))
    )
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('secret', sa.String(length=255), nullable=False),
    sa.Column('site', sa.String(length=128), nullable=True),
    sa.Column('events', sa.String(length=512), server_default='', nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('disabled_reason', sa.String(length=500), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('dedup_key', sa.String(length=160), nullable=False),
    sa.Column('message_key', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('event_type', sa.String(length=32), server_default='', nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=True),
    sa.Column('subscriber_id', sa.Integer(), nullable=True),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), server_default='', nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], name=op.f('fk_deliveries_endpoint_id_webhook_endpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['outbox_events.id'], name=op.f('fk_deliveries_event_id_outbox_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderators.id'], name=op.f('fk_deliveries_moderator_id_moderators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_deliveries_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_deliveries_dedup_key'))
    )
    op.create_index('ix_deliveries_endpoint_id', 'deliveries', ['endpoint_id', 'id'], unique=False)
    op.create_index('ix_deliveries_status_due', 'deliveries', ['status', 'due_at'], unique=False)
    op.create_index('ix_deliveries_subscriber_status', 'deliveries', ['subscriber_id', 'kind', 'status'], unique=False)
    op.create_table('moderator_alerts',
    sa.Column('moderator_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=8), server_default='zh-CN', nullable=False),
    sa.Column('wait_minutes', sa.Integer(), nullable=True),
    sa.Column('digest_hours', sa.Integer(), nullable=True),
    sa.Column('last_digest_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderators.id'], name=op.f('fk_moderator_alerts_moderator_id_moderators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('moderator_id', name=op.f('pk_moderator_alerts'))
    )
    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_subscriptions_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_subscriptions_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_subscriptions_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('subscriber_id', 'comment_id', name=op.f('uq_subscriptions_subscriber_id'))
    )
    op.create_index('ix_subscriptions_comment_id', 'subscriptions', ['comment_id'], unique=False)
    op.create_table('reply_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_reply_notices_delivery_id_deliveries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_id'], ['comments.id'], name=op.f('fk_reply_notices_reply_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_reply_notices_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_reply_notices_subscription_id_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_notices')),
    sa.UniqueConstraint('subscriber_id', 'reply_id', name=op.f('uq_reply_notices_subscriber_id'))
    )
    op.create_index('ix_reply_notices_delivery_id', 'reply_notices', ['delivery_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reply_notices_delivery_id', table_name='reply_notices')
    op.drop_table('reply_notices')
    op.drop_index('ix_subscriptions_comment_id', table_name='subscriptions')
    op.drop_table('subscriptions')
    op.drop_table('moderator_alerts')
    op.drop_index('ix_deliveries_subscriber_status', table_name='deliveries')
    op.drop_index('ix_deliveries_status_due', table_name='deliveries')
    op.drop_index('ix_deliveries_endpoint_id', table_name='deliveries')
    op.drop_table('deliveries')
    op.drop_table('webhook_endpoints')
    op.drop_table('subscribers')
    op.drop_index('ix_outbox_events_dispatched', table_name='outbox_events')
    op.drop_table('outbox_events')
