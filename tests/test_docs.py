"""The README stays true: every setting documented, the commands it gives exist."""

import re
from pathlib import Path

from stockdash.cli import COMMANDS
from stockdash.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_config_table():
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", README, flags=re.MULTILINE))
    missing = {name.upper() for name in Settings.model_fields} - documented
    assert not missing, f"README config table lacks {sorted(missing)}"


def test_every_setting_is_in_env_example():
    example = (ROOT / ".env.example").read_text()
    missing = [n.upper() for n in Settings.model_fields if n.upper() not in example]
    assert not missing


def test_every_worker_command_is_documented():
    operations = (ROOT / "docs" / "operations.md").read_text()
    for command in COMMANDS:
        assert f"| `{command}" in operations, command


def test_runtime_and_python_version_agree():
    runtime = (ROOT / "runtime.txt").read_text().strip().removeprefix("python-")
    assert runtime == (ROOT / ".python-version").read_text().strip()


def test_readme_test_command_is_what_ci_runs():
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_pyproject_declares_every_pinned_requirement():
    import tomllib

    def name(spec: str) -> str:
        return re.split(r"[<>=!\[;\s]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")

    declared = {
        name(d) for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    pinned = {
        name(line)
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert pinned == declared


def test_the_module_map_names_every_package_and_module():
    from tests.codemap import modules

    text = (ROOT / "docs" / "development.md").read_text()
    package = ROOT / "stockdash"
    missing = []
    for name, module in modules().items():
        if not name.startswith("stockdash.") or ".migrations." in name:
            continue
        rel = (
            module.path.parent.relative_to(package) if module.is_package else module.path.relative_to(package)
        )
        named = f"`{rel.as_posix()}/`" if module.is_package else f"`{rel.as_posix()}`"
        if named not in text:
            missing.append(named)
    assert missing == [], "docs/development.md's module map lacks these"
