"""flask_dredd.settings: one table, its precedence, its errors, and README's copy of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_dredd.settings import SettingsError, markdown_table, resolve

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_table_is_the_generated_one():
    readme = ROOT / "README.md"
    text = readme.read_text()
    start = text.index("<!-- settings:start")
    inner = text[text.index("\n", start) + 1 : text.index("<!-- settings:end -->")]
    assert inner.strip() == markdown_table(), "run python -m flask_dredd.settings"


def test_command_line_over_environment_over_pyproject_over_default(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.flask-dredd]\nworkers = 3\norder = 'reverse'\n")
    settings = resolve(tmp_path, {}, {"FLASK_DREDD_WORKERS": "4"})
    assert (settings["workers"], settings.sources["workers"]) == (4, "environment")
    assert settings["order"] == "reverse" and settings["stall-timeout"] == 60.0
    assert resolve(tmp_path, {"workers": 5}, {"FLASK_DREDD_WORKERS": "4"})["workers"] == 5


def test_the_database_url_variable_can_be_renamed(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.flask-dredd]\ndatabase-url-env = 'DB_URI'\n")
    settings = resolve(tmp_path, {}, {"DB_URI": "sqlite:///x_test.db", "DATABASE_URL": "no"})
    assert settings["database-url"] == "sqlite:///x_test.db"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("hookfile = 'x'", "'hookfile' (did you mean 'hookfiles'?)"),
        ("workers = 'two'", "workers must be a number"),
        ("reset = 'wipe'", "reset must be one of tracked, truncate, rebuild"),
        ("[tool.flask-dredd.excluded-routes]\n'GET /docs' = ' '", "without a reason"),
    ],
)
def test_bad_settings_name_the_fix(tmp_path: Path, toml: str, message: str):
    header = "" if toml.startswith("[") else "[tool.flask-dredd]\n"
    (tmp_path / "pyproject.toml").write_text(header + toml + "\n")
    with pytest.raises(SettingsError, match="pyproject.toml") as caught:
        resolve(tmp_path, {}, {})
    assert message in str(caught.value)


def test_env_merges_pyproject_environment_and_command_line(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.flask-dredd.env]\nFLASK_DEBUG = "1"\nTZ = "UTC"\nFEATURE = "a"\n'
    )
    settings = resolve(tmp_path, {"env": {"FEATURE": "c"}}, {"FLASK_DREDD_ENV": '{"TZ": "CET"}'})
    assert settings["env"] == {"FLASK_DEBUG": "1", "TZ": "CET", "FEATURE": "c"}
    assert settings.sources["env"].endswith("pyproject.toml + environment + command line")
    assert resolve(tmp_path, {}, {})["env"]["TZ"] == "UTC"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.flask-dredd.env]\nFLASK_DEBUG = 1", 'write each variable as NAME = "value"'),
        ("[tool.flask-dredd]\nenv = 'FLASK_DEBUG=1'", "env must be a table of variables"),
        ('[tool.flask-dredd.env]\n"NOT A NAME" = "x"', "NOT A NAME"),
    ],
)
def test_a_bad_env_names_the_fix(tmp_path: Path, toml: str, message: str):
    (tmp_path / "pyproject.toml").write_text(toml + "\n")
    with pytest.raises(SettingsError, match="pyproject.toml") as caught:
        resolve(tmp_path, {}, {})
    assert message in str(caught.value)
