"""Fixture recipes for the hook files: the rows a transaction needs, then who sends it.

    given(EventFactory, caller=OWNER)           # event 1; its owner sends a bearer token
    given(TrackFactory, caller=SOMEONE)         # track 1; another user sends a token
    given(caller=SOMEONE_BROWSER_WITHOUT_CSRF)  # no rows; a browser session, no CSRF token

A recipe is a hook function (it takes the transaction). Hook files bind recipes to
transaction names in one table each, with `bind`::

    bind({
        given(EventFactory, caller=OWNER): [
            "Events > Event > Update an Event > Example 1",
            ...
        ],
    })

`flask dredd names` shows each recipe at the line of the hook file that wrote it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import FunctionType
from typing import Any

from eventapi.models import Event, Speaker, Talk, Track, User
from factories.auth import sign_in, sign_in_browser, sign_in_expired
from flask_dredd import hooks
from flask_dredd.transactions import Transaction

Maker = Callable[[], Any]


@dataclass(frozen=True)
class Caller:
    """Who sends the request: the owner of the first row made, or a new user; and how."""

    name: str
    owner: bool
    via: str = "token"  # "token", "expired token", "browser", "expired browser"
    csrf: bool = True

    def sign_in(self, transaction: Transaction, rows: Sequence[Any]) -> None:
        user = owner_of(rows[0]) if self.owner else None
        if self.via == "token":
            sign_in(transaction, user)
        elif self.via == "expired token":
            sign_in_expired(transaction, user)
        else:
            sign_in_browser(transaction, user, expired="expired" in self.via, csrf=self.csrf)


OWNER = Caller("owner", owner=True)
OWNER_BROWSER = Caller("owner_browser", owner=True, via="browser")
OWNER_BROWSER_WITHOUT_CSRF = Caller("owner_browser_without_csrf", True, "browser", csrf=False)
SOMEONE = Caller("someone", owner=False)
SOMEONE_EXPIRED = Caller("someone_expired", owner=False, via="expired token")
SOMEONE_BROWSER = Caller("someone_browser", owner=False, via="browser")
SOMEONE_BROWSER_WITHOUT_CSRF = Caller("someone_browser_without_csrf", False, "browser", False)
SOMEONE_BROWSER_EXPIRED = Caller("someone_browser_expired", owner=False, via="expired browser")


def owner_of(row: Any) -> User:
    """The user who may change `row`: an event's owner (also for its tracks and talks), a
    speaker's creator."""
    if isinstance(row, User):
        return row
    if isinstance(row, Event | Speaker):
        return row.owner
    if isinstance(row, Track | Talk):
        return row.event.owner
    raise TypeError(f"who owns a {type(row).__name__}?")


def given(*makers: Maker, caller: Caller | None = None) -> Callable[[Transaction], None]:
    """A recipe: call each maker in order (ids follow), then sign the request in."""

    def recipe(transaction: Transaction) -> None:
        rows = [make() for make in makers]
        if caller is not None:
            caller.sign_in(transaction, rows)

    parts = [_name_of(make) for make in makers] + ([caller.name] if caller else [])
    return _at_caller(recipe, "_".join(parts) or "nothing")


def bind(table: Mapping[Callable[[Transaction], None], Sequence[str]]) -> None:
    """Register each recipe as the `before` hook of each transaction named beside it."""
    for recipe, names in table.items():
        for name in names:
            hooks.before(name)(recipe)


def _name_of(make: Maker) -> str:
    name = getattr(make, "__name__", None) or getattr(getattr(make, "func", None), "__name__", "")
    return name.removesuffix("Factory").lower() or "rows"


def _at_caller(recipe: FunctionType, name: str) -> FunctionType:
    """A copy of `recipe` whose code says it was written where `given(...)` was called."""
    caller = sys._getframe(2)  # _at_caller ← given ← the hook file
    code = recipe.__code__.replace(
        co_filename=caller.f_code.co_filename,
        co_firstlineno=caller.f_lineno,
        co_name=name,
        co_qualname=name,
    )
    return FunctionType(code, recipe.__globals__, name, None, recipe.__closure__)
