"""Choosing settings: by name, from the environment, or a test mapping."""

import pytest

from eventapi import create_app
from eventapi.config import config_class, with_postgres_driver


@pytest.fixture
def clean_environment(monkeypatch):
    for name in ("EVENTAPI_CONFIG", "DATABASE_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_config_is_chosen_by_name_then_environment_then_development(clean_environment):
    assert config_class("contract").__name__ == "ContractConfig"
    assert config_class().__name__ == "DevelopmentConfig"
    clean_environment.setenv("EVENTAPI_CONFIG", "testing")
    assert config_class().__name__ == "TestingConfig"


def test_unknown_config_name_says_which_exist(clean_environment):
    with pytest.raises(ValueError, match="choose one of: development, testing, contract"):
        config_class("staging")


def test_environment_overrides_the_class_defaults(clean_environment):
    clean_environment.setenv("DATABASE_URL", "sqlite://")
    clean_environment.setenv("SECRET_KEY", "from-the-environment-and-long-enough")
    app = create_app("contract")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.config["SECRET_KEY"] == "from-the-environment-and-long-enough"


def test_development_defaults_to_a_sqlite_file_in_the_instance_folder(clean_environment):
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/eventapi.db")


def test_a_test_mapping_ignores_the_environment(clean_environment):
    clean_environment.setenv("DATABASE_URL", "postgresql://somewhere/production")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["TESTING"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_production_requires_a_secret_key(clean_environment):
    clean_environment.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app("production")


def test_production_requires_a_database_url(clean_environment):
    clean_environment.setenv("SECRET_KEY", "a-production-secret-of-some-length")
    with pytest.raises(RuntimeError, match="DATABASE_URL is not set"):
        create_app("production")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///var/x.db", "sqlite:///var/x.db"),
    ],
)
def test_postgres_urls_name_the_installed_driver(url, expected):
    assert with_postgres_driver(url) == expected
