"""Alembic environment: runs on the connection commentsvc hands it, against the models' metadata."""

from alembic import context
from sqlalchemy import create_engine

from commentsvc import models  # noqa: F401  (registers every table on the metadata)
from commentsvc.extensions import db

config = context.config
target_metadata = db.metadata


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # One transaction for the whole upgrade, on SQLite too (commentsvc issues BEGIN itself, so DDL
        # is transactional there): with one per migration, a second server starting at once could read
        # the revision between two of them and apply the next migration a second time.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as fresh_connection:
        run_migrations(fresh_connection)
        fresh_connection.commit()
