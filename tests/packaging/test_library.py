"""The distribution is the library alone: flask_dredd with its data files, and only the
dependencies the engine imports; PostgreSQL and factory-boy are extras.

One clean virtual environment, built once for the module (pip reuses its cache).
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA_FILES = {"flask_dredd/contract/compiler.js",
              "flask_dredd/contract/dredd_compile_cache.js",
              "flask_dredd/reporting/templates/report.html",
              "flask_dredd/authoring/templates/package-lock.json",
              "flask_dredd/py.typed"}  # fmt: skip
# The reference API's own dependencies and the extras: none may come with the library.
NOT_INSTALLED = {
    "flask-sqlalchemy", "flask-migrate", "flask-seasurf", "pyjwt", "factory-boy",
    "psycopg2-binary", "alembic",
}  # fmt: skip


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # Without isolation: the dev install has build and setuptools, so nothing is fetched.
    # `build` makes the sdist, then the wheel from the sdist, so both are checked.
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    return out


@pytest.fixture(scope="module")
def handler_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """flask-dredd depends on dredd-hooks-handler, built from this repository too."""
    out = tmp_path_factory.mktemp("handler-dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(out),
         str(ROOT / "packages" / "dredd-hooks-handler")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    return next(out.glob("*.whl"))


@pytest.fixture(scope="module")
def clean_venv(
    dist: Path, handler_wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    wheel = next(dist.glob("*.whl"))
    installed = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         str(wheel), str(handler_wheel)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    yield venv


def top_level(names: list[str]) -> set[str]:
    return {name.split("/", 1)[0] for name in names if name.strip("/")}


def test_the_wheel_holds_flask_dredd_and_its_data_files_only(dist: Path) -> None:
    names = zipfile.ZipFile(next(dist.glob("*.whl"))).namelist()
    assert top_level(names) == {"flask_dredd", "flask_dredd-0.1.0.dist-info"}
    assert set(names) >= DATA_FILES


def test_the_sdist_holds_flask_dredd_and_its_metadata_only(dist: Path) -> None:
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        names = [name.split("/", 1)[1] for name in sdist.getnames() if "/" in name]
    assert top_level(names) == {
        "flask_dredd", "flask_dredd.egg-info",
        "PKG-INFO", "README.md", "MANIFEST.in", "pyproject.toml", "setup.cfg",
    }  # fmt: skip
    assert set(names) >= DATA_FILES


def run_in(venv: Path, *command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / command[0]), *command[1:]],
        cwd=cwd, capture_output=True, text=True, timeout=120,
        env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(cwd)},
    )  # fmt: skip


def test_the_clean_install_has_the_engine_and_not_the_reference_api(
    clean_venv: Path, tmp_path: Path
) -> None:
    listed = run_in(clean_venv, "python", "-m", "pip", "list", "--format=freeze", cwd=tmp_path)
    installed = {line.split("==")[0].lower() for line in listed.stdout.split()}
    assert "flask-dredd" in installed
    assert not installed & NOT_INSTALLED, installed & NOT_INSTALLED

    imported = run_in(clean_venv, "python", "-c", "import eventapi", cwd=tmp_path)
    assert imported.returncode != 0
    assert "No module named 'eventapi'" in imported.stderr

    helped = run_in(clean_venv, "flask", "dredd", "--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    for command in ("run", "names", "check", "scaffold"):
        assert command in helped.stdout


def test_factories_without_the_extra_say_which_extra(clean_venv: Path, tmp_path: Path) -> None:
    imported = run_in(clean_venv, "python", "-c", "import flask_dredd.factories", cwd=tmp_path)
    assert imported.returncode != 0
    assert "pip install 'flask-dredd[factories]'" in imported.stderr
