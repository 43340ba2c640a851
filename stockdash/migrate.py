"""Apply Alembic migrations to a given engine (the release phase and the tests use this)."""

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

# The revisions ship inside the package: an installed copy (no alembic.ini beside it) migrates too.
# alembic.ini at the top of the repository points at the same folder for `alembic` by hand.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _run(engine: Engine, action: Callable[[Config, str], None], revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
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
