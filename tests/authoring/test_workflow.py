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


def test_gate_runs_check_then_the_contract_on_postgres_16_and_keeps_the_reports():
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["contract"]
    assert job["services"]["postgres"]["image"] == "postgres:16"
    assert job["env"]["DATABASE_URL"].startswith("postgresql://")
    assert job["env"]["DATABASE_URL"].endswith("_contract")  # the guard lets it be reset
    steps = job["steps"]
    runs = [step.get("run") for step in steps if "run" in step]
    assert runs == ["make check", "make dredd"]
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert uses["actions/setup-python"]["with"]["cache"] == "pip"
    assert uses["actions/setup-node"]["with"]["cache"] == "npm"
    upload = uses["actions/upload-artifact"]
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"


def test_the_make_targets_it_runs_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("check", "dredd"):
        assert f"\n{target}: " in makefile
