"""Choosing a strategy: the argument, else $FLASK_DREDD_RESET, else tracked."""

from __future__ import annotations

import pytest

from flask_dredd.isolation import (
    DEFAULT_STRATEGY,
    STRATEGY_ENV,
    Isolation,
    NotPreparedError,
    UnknownStrategyError,
)

from .schema import db
from .support import make_app


@pytest.fixture(autouse=True)
def no_strategy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STRATEGY_ENV, raising=False)


def test_the_default_is_tracked() -> None:
    assert DEFAULT_STRATEGY == "tracked"
    assert Isolation(db).strategy == "tracked"


@pytest.mark.parametrize("name", ["rebuild", "truncate", "tracked"])
def test_the_environment_chooses(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(STRATEGY_ENV, name)
    assert Isolation(db).strategy == name


def test_the_argument_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STRATEGY_ENV, "rebuild")
    assert Isolation(db, strategy="truncate").strategy == "truncate"


def test_an_empty_environment_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STRATEGY_ENV, "  ")
    assert Isolation(db).strategy == "tracked"


def test_an_unknown_argument_lists_the_valid_strategies() -> None:
    with pytest.raises(UnknownStrategyError) as error:
        Isolation(db, strategy="fast")
    message = str(error.value)
    assert "'fast'" in message and "strategy argument" in message
    assert "rebuild, truncate, tracked" in message


def test_an_unknown_environment_value_says_where_it_came_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(STRATEGY_ENV, "Tracked")
    with pytest.raises(UnknownStrategyError, match=f"'Tracked' \\(from {STRATEGY_ENV}\\)"):
        Isolation(db)


def test_unknown_strategy_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Isolation(db, strategy="")


def test_reset_before_prepare_says_what_to_do(tmp_path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'x_test.db'}")
    with app.app_context(), pytest.raises(NotPreparedError, match="before_all"):
        Isolation(db).reset()
