"""The server's environment is explicit: the shell's FLASK_DEBUG (or a `.flaskenv`'s, which
`flask` loads into it) never reaches the contract server; `[tool.flask-dredd.env]` does, and
the server line says which app is served and in which debug state, and where each came from.
A FLASK_APP naming another app than the `app` setting is refused, naming both."""

from __future__ import annotations

from pathlib import Path

from .stateproject import flask_dredd


def server_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("[flask-dredd] server"))


def test_the_shells_flask_debug_does_not_reach_the_server(state_project: Path):
    run = flask_dredd(state_project, "run", FLASK_DEBUG="1")
    assert run.returncode == 0, run.stdout + run.stderr  # served with debug off
    line = server_line(run.stdout)
    assert "app stateapp:create_app() (app setting, " in line, line
    assert "debug off (FLASK_DEBUG='1' of the shell or .flaskenv not passed on: set it " \
        "under [tool.flask-dredd.env]" in line, line


def test_the_env_setting_reaches_the_server_and_the_line_says_so(state_project: Path):
    with (state_project / "pyproject.toml").open("a") as settings:
        settings.write('\n[tool.flask-dredd.env]\nFLASK_DEBUG = "1"\n')
    run = flask_dredd(state_project, "run", "--env", "TZ=UTC")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "debug on (FLASK_DEBUG='1' set by the env setting)" in server_line(run.stdout)
    assert "$.debug: documented false, got true" in run.stdout
    assert '$.tz: documented "", got "UTC"' in run.stdout


def test_a_flask_app_that_names_another_app_is_refused_naming_both(state_project: Path):
    run = flask_dredd(state_project, "run", FLASK_APP="otherapp")
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.startswith(
        "[flask-dredd] error: FLASK_APP='otherapp' (from the environment or .flaskenv) names "
        "another app than the app setting 'stateapp:create_app()' ("
    ), run.stderr
    assert "[flask-dredd] database" not in run.stdout  # nothing ran
