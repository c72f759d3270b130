"""Every file a run writes lives in its own reports folder, so runs side by side in one
checkout (each with its own --reports-dir) cannot overwrite each other's files."""

from __future__ import annotations

from pathlib import Path

import yaml

from flask_dredd.run.config import RunConfig
from flask_dredd.run.dredd_config import write_dredd_config
from flask_dredd.run.runner import check_contract

ROOT = Path(__file__).resolve().parents[2]


def test_dredd_reports_named_in_dredd_yml_go_to_the_runs_own_folder(tmp_path: Path):
    settings = yaml.safe_load((ROOT / "dredd.yml").read_text())
    settings["reporter"] = ["html", "markdown"]
    settings["output"] = ["reports/dredd.html", "/shared/place/dredd.md"]
    dredd_yml = tmp_path / "dredd.yml"
    dredd_yml.write_text(yaml.safe_dump(settings))
    reports = tmp_path / "run-a"
    reports.mkdir()
    config = RunConfig(
        root=ROOT, flask_app="eventapi", app_spec="eventapi:create_app()",
        database_url="sqlite:///x_contract.db", dredd_config=dredd_yml, reports_dir=reports,
        order="reverse",
    )  # fmt: skip
    contract = check_contract(config, reports)
    effective = write_dredd_config(config, contract, "http://127.0.0.1:1", 12345)
    written = yaml.safe_load(effective.read_text())
    assert effective.parent == reports
    assert written["output"] == [
        str(reports / "dredd.html"),
        str(reports / "dredd.md"),
        str(reports / "dredd.xml"),
    ]
    assert Path(written["blueprint"]).parent == reports  # the reordered copy


def test_dredds_handler_connect_limit_is_never_shorter_than_the_start_up_limit(tmp_path: Path):
    """Dredd gave a slow handler 30 s (dredd.yml) and ended the run with its own terse
    "Connection timeout"; the watchdog's start-up limit, scaled by the contract, judges it."""
    from flask_dredd.run.watchdog import startup_limit

    settings = yaml.safe_load((ROOT / "dredd.yml").read_text())
    reports = tmp_path / "reports"
    reports.mkdir()
    for given in (30000, 10**7):
        settings["hooks-worker-connect-timeout"] = given
        (tmp_path / "dredd.yml").write_text(yaml.safe_dump(settings))
        config = RunConfig(
            root=ROOT, flask_app="eventapi", app_spec="eventapi:create_app()",
            database_url="sqlite:///x_contract.db", dredd_config=tmp_path / "dredd.yml",
            reports_dir=reports,
        )  # fmt: skip
        contract = check_contract(config, reports)
        written = yaml.safe_load(write_dredd_config(config, contract, "http://x:1", 1).read_text())
        limit = startup_limit(len(contract.names), config.stall_timeout) * 1000
        assert written["hooks-worker-connect-timeout"] == max(given, int(limit))
