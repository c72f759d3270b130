"""docker-compose.yml cannot run here (no Docker engine), so check it two ways:
against the Compose specification's JSON Schema, and for the wiring a contract run needs."""

import subprocess
import sys
from pathlib import Path

import yaml

from flask_dredd.isolation.guard import is_designated

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_file_matches_the_compose_specification():
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_dredd_against_the_api_on_postgres_16():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert set(services) == {"db", "api", "dredd"}
    assert services["db"]["image"] == "postgres:16"
    assert services["api"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["dredd"]["depends_on"]["api"]["condition"] == "service_healthy"
    dredd_command = services["dredd"]["command"]
    assert "http://api:8000" in dredd_command
    assert dredd_command.startswith("flask --app eventapi dredd run")
    # The hooks reset the database the API serves: same URL, and one the guard allows.
    url = services["dredd"]["environment"]["DATABASE_URL"]
    assert url == services["api"]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://") and url.rsplit("/", 1)[1].startswith(
        services["db"]["environment"]["POSTGRES_DB"]
    )
    assert is_designated(url)
