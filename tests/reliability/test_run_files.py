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


def test_the_handlers_limits_follow_the_hooks_worker_timeout_the_run_writes(tmp_path: Path):
    # The handler answers a message just before Dredd would time it out, so its limit
    # comes from the hooks-worker-timeout of this very dredd.run.yml (Dredd's 5 s when
    # unset), unless --hook-timeout says; the stall limit is the run's own.
    settings = yaml.safe_load((ROOT / "dredd.yml").read_text())
    seen = []
    for dredd_ms, hook_timeout in ((None, None), (11000, None), (11000, 2.5)):
        if dredd_ms is None:
            settings.pop("hooks-worker-timeout", None)
        else:
            settings["hooks-worker-timeout"] = dredd_ms
        dredd_yml = tmp_path / "dredd.yml"
        dredd_yml.write_text(yaml.safe_dump(settings))
        config = RunConfig(
            root=ROOT, flask_app="eventapi", app_spec="eventapi:create_app()",
            database_url="sqlite:///x_contract.db", dredd_config=dredd_yml,
            reports_dir=tmp_path / "reports", hook_timeout=hook_timeout, stall_timeout=45,
        )  # fmt: skip
        contract = check_contract(config, tmp_path / "reports")
        written = yaml.safe_load(write_dredd_config(config, contract, "http://x", 1).read_text())
        assert written.get("hooks-worker-timeout") == dredd_ms
        seen.append(written["language"].split(" --port 1 ", 1)[1])
    assert seen == [
        "--hook-timeout 4.75 --stall-timeout 45",
        "--hook-timeout 10.45 --stall-timeout 45",
        "--hook-timeout 2.5 --stall-timeout 45",
    ]


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
