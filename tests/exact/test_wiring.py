"""The runner adds the engine's one hook file (its checks) to Dredd's effective configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flask_dredd.checks.engine import HOOKFILE
from flask_dredd.errors import RunError
from flask_dredd.run.config import RunConfig
from flask_dredd.run.dredd_config import write_dredd_config
from flask_dredd.run.runner import check_contract

ROOT = Path(__file__).resolve().parents[2]


def effective(tmp_path: Path, **env: str) -> dict:
    config = RunConfig(
        root=ROOT, flask_app="eventapi", app_spec="eventapi:create_app()",
        database_url="sqlite://", reports_dir=tmp_path, env=env,
    )  # fmt: skip
    contract = check_contract(config, tmp_path)
    return yaml.safe_load(
        write_dredd_config(config, contract, "http://127.0.0.1:1", 1).read_text()
    )


def test_the_engines_hook_file_comes_after_the_projects_in_every_mode(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("FLASK_DREDD_EXACT", raising=False)
    assert HOOKFILE.is_file()
    # The project's hook files first, then the engine's one.
    assert effective(tmp_path)["hookfiles"] == ["hooks/*.py", str(HOOKFILE)]
    assert effective(tmp_path, FLASK_DREDD_EXACT="strict")["hookfiles"][-1] == str(HOOKFILE)
    # Exact comparison off still runs the other checks: the exact ones are not enabled
    # (tests/exact/test_transaction.py), the hook file stays.
    assert effective(tmp_path, FLASK_DREDD_EXACT="0")["hookfiles"][-1] == str(HOOKFILE)


def test_a_mode_that_is_not_one_stops_the_run_with_the_choices(tmp_path: Path):
    with pytest.raises(RunError, match=r"FLASK_DREDD_EXACT='sure' is not a mode .* or 0 \(off"):
        effective(tmp_path, FLASK_DREDD_EXACT="sure")


def test_a_secret_keys_pattern_that_is_no_regex_stops_the_run_naming_the_fix(tmp_path: Path):
    with pytest.raises(RunError, match=r"FLASK_DREDD_SECRET_KEYS='\(' is not a regular "
                                       r"expression .*: write one such as 'password"):  # fmt: skip
        effective(tmp_path, FLASK_DREDD_SECRET_KEYS="(")
