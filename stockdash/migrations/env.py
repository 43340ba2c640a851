"""Alembic environment: the engine comes from the caller (worker.py migrate) or the settings."""

from alembic import context

from stockdash.schema import metadata


def _connectable():
    conn = context.config.attributes.get("connection")
    if conn is not None:
        return conn
    from stockdash.config import get_settings
    from stockdash.db import make_engine
    from stockdash.providers import resolve_provider_name

    settings = get_settings()
    return make_engine(settings.database_url_for(resolve_provider_name(settings)))


def run_migrations_online() -> None:
    connectable = _connectable()
    if hasattr(connectable, "connect"):
        with connectable.connect() as conn:
            _run(conn)
            conn.commit()
    else:
        _run(connectable)


def _run(conn) -> None:
    # render_as_batch: SQLite can only alter tables by copying them.
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
