"""Apply Alembic migrations to a given engine (the release phase and the tests use this)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def _run(engine: Engine, action, revision: str) -> None:
    cfg = Config(str(ALEMBIC_INI))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        action(cfg, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty (never migrated) one."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
