"""stockdash.compat fails loudly when a library it reaches into is not the version it was written for."""

from __future__ import annotations

import re

import pytest

from stockdash import compat
from tests.harness import ROOT


def test_a_version_other_than_the_one_written_for_stops_the_process():
    with pytest.raises(compat.IncompatibleVersion, match=r"gunicorn 27\.1\.0 \(written for 27\.0\.1\)"):
        compat.check(
            {"gunicorn": "27.0.1", "dash": "4.4.1"}, installed={"gunicorn": "27.1.0", "dash": "4.4.1"}.get
        )
    compat.check(compat.WRITTEN_FOR)  # what is installed here is what it was written for


def test_it_was_written_for_the_pinned_versions():
    """Bumping a pin without re-reading compat.py fails here, before any process would."""
    pins = dict(
        re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)
    )
    assert {name: pins[name] for name in compat.WRITTEN_FOR} == compat.WRITTEN_FOR
