"""What `make run` prints reads well: one line per step naming its database, no Alembic chatter."""

import re

from stockdash.config import VAR_DIR
from stockdash.db import sqlite_default
from stockdash.dbname import database_name
from tests.test_cli import worker


def test_embedded_databases_are_named_by_file_and_whose_data():
    assert database_name(sqlite_default("demo", var_dir=VAR_DIR)) == "var/demo.db (demo data)"
    assert database_name(sqlite_default("yahoo", var_dir=VAR_DIR)) == "var/stockdash.db (Yahoo data)"
    shown = database_name("postgresql+psycopg://app:s3cret@db.example:5432/prices")
    assert "s3cret" not in shown and shown.endswith("@db.example:5432/prices")


def test_migrate_says_once_which_database_it_migrated(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = worker("migrate", database_url=url)
    assert first.returncode == 0, first.stderr
    lines = first.stderr.strip().splitlines()
    assert len(lines) == 1 and "alembic" not in first.stderr, lines
    assert re.search(rf"job=migrate status=ok database={re.escape(url)} empty -> \d{{4}}$", lines[0])
    again = worker("migrate", database_url=url).stderr.strip().splitlines()
    head = lines[0].rsplit(" ", 1)[-1]
    assert len(again) == 1 and again[0].endswith(f"database={url} at {head}, nothing to do")
