"""`.github/workflows/contract.yml`: valid for GitHub, and it does what the README says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "contract.yml"
CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_workflow_matches_githubs_schema():
    result = validate(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_refuses_a_broken_workflow(tmp_path: Path):
    broken = tmp_path / "contract.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:"))
    assert validate(broken).returncode == 1


def test_gate_runs_check_and_the_contract_in_shards_on_postgres_16_and_keeps_the_reports():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    assert [step.get("run") for step in jobs["check"]["steps"] if "run" in step] == ["make check"]
    job = jobs["contract"]
    shards = job["strategy"]["matrix"]["shard"]
    assert shards == [1, 2, 3] and job["strategy"]["fail-fast"] is False
    assert job["env"]["FLASK_DREDD_SHARD"] == "${{ matrix.shard }}/3"
    assert job["services"]["postgres"]["image"] == "postgres:16"
    assert job["env"]["DATABASE_URL"].startswith("postgresql://")
    assert job["env"]["DATABASE_URL"].endswith("_contract")  # the guard lets it be reset
    steps = job["steps"]
    runs = [step.get("run") for step in steps if "run" in step]
    assert runs == ["make dredd"]
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert uses["actions/setup-python"]["with"]["cache"] == "pip"
    assert uses["actions/setup-node"]["with"]["cache"] == "npm"
    upload = uses["actions/upload-artifact"]
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"
    assert upload["with"]["name"] == "contract-reports-shard-${{ matrix.shard }}"


def test_the_merge_job_joins_every_shard_and_fails_with_any():
    merge = yaml.safe_load(WORKFLOW.read_text())["jobs"]["merge"]
    assert merge["needs"] == ["check", "contract"] and merge["if"] == "${{ !cancelled() }}"
    uses = {step["uses"].split("@")[0]: step for step in merge["steps"] if "uses" in step}
    assert uses["actions/download-artifact"]["with"]["pattern"] == "contract-reports-shard-*"
    runs = [step["run"] for step in merge["steps"] if "run" in step]
    assert runs[0] == 'make merge SHARDS="shards/*"'
    published = uses["actions/upload-artifact"]["with"]["path"]
    assert "reports/dredd.xml" in published and "reports/index.html" in published


def test_the_make_targets_it_runs_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("check", "dredd", "merge"):
        assert f"\n{target}: " in makefile
