"""picks and participants: comments.picked_at, thread pins, per-thread participants and their count

Revision ID: 0011_picks_participants
Revises: 0009
Create Date: 2026-12-02 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_picks_participants'
down_revision = '0010_floors_lang'
branch_labels = None
depends_on = None

# The participant key of a comment (domain/participants.py): SSO user, else reader identity, else the
# keyed author hash (of the email, else of name and address).
_PARTICIPANT_KEY = (
    "CASE WHEN user_id IS NOT NULL THEN 'u:' || CAST(user_id AS VARCHAR(16)) "
    "WHEN identity_key IS NOT NULL THEN 'i:' || identity_key "
    "ELSE 'a:' || author_hash END"
)


def upgrade() -> None:
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_count', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('picked_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_comments_thread_picked', ['thread_id', 'picked_at', 'id'], unique=False)
    op.create_table('participants',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('participant_key', sa.String(length=48), nullable=False),
    sa.Column('approved_count', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_participants_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', 'participant_key', name=op.f('pk_participants'))
    )
    op.create_table('thread_pins',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('pinned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_thread_pins_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_thread_pins_thread_id_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', name=op.f('pk_thread_pins')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_thread_pins_comment_id'))
    )
    op.execute(
        "INSERT INTO participants (thread_id, participant_key, approved_count) "
        f"SELECT thread_id, {_PARTICIPANT_KEY}, COUNT(*) FROM comments WHERE status = 'approved' "
        f"GROUP BY thread_id, {_PARTICIPANT_KEY}"
    )
    op.execute(
        "UPDATE threads SET participant_count = "
        "(SELECT COUNT(*) FROM participants WHERE participants.thread_id = threads.id)"
    )


def downgrade() -> None:
    op.drop_table('thread_pins')
    op.drop_table('participants')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_thread_picked')
        batch_op.drop_column('picked_at')
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_column('participant_count')
