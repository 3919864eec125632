"""floors and language: each comment's detected language, backfilled from its stored text

Revision ID: 0010_floors_lang
Revises: 0009
Create Date: 2026-12-02 04:20:00
"""

import sqlalchemy as sa
from alembic import op

from commentsvc.text.language import language_of_html

revision = '0010_floors_lang'
down_revision = '0009'
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.add_column('comments', sa.Column('lang', sa.String(length=8), server_default='other', nullable=False))
    comments = sa.table('comments', sa.column('id', sa.Integer), sa.column('body_html', sa.Text), sa.column('lang', sa.String))
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(comments.c.id, comments.c.body_html).where(comments.c.id > last_id).order_by(comments.c.id).limit(_BATCH)
        ).all()
        if not rows:
            break
        by_lang: dict[str, list[int]] = {}
        for comment_id, html in rows:
            by_lang.setdefault(language_of_html(html or ""), []).append(comment_id)
        for lang, ids in by_lang.items():
            if lang != 'other':
                connection.execute(sa.update(comments).where(comments.c.id.in_(ids)).values(lang=lang))
        last_id = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('comments') as batch:
        batch.drop_column('lang')
