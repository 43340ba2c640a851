"""Alembic environment: the connection comes from the caller (worker.py migrate) or the settings."""

from alembic import context
from sqlalchemy import Connection

from stockdash.schema import metadata


def run_migrations_online() -> None:
    conn = context.config.attributes.get("connection")
    if conn is not None:
        _run(conn)
        return
    # `alembic upgrade head` by hand: the databases the settings may pick; the provider is never asked.
    from stockdash.config import get_settings
    from stockdash.db import make_engine, migration_urls

    for url in migration_urls(get_settings()):
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                _run(connection)
                connection.commit()
        finally:
            engine.dispose()


def _run(conn: Connection) -> None:
    # render_as_batch: SQLite can only alter tables by copying them.
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
