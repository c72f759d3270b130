"""Who sends a transaction's request, for the engine's fixture recipes (`given`, `bind`).

    given(EventFactory, caller=OWNER)           # event 1; its owner sends a bearer token
    given(TrackFactory, caller=SOMEONE)         # track 1; another user sends a token
    given(caller=SOMEONE_BROWSER_WITHOUT_CSRF)  # no rows; a browser session, no CSRF token
    given(EventFactory, caller=OWNER_BROWSER_OTHER_CSRF)  # the owner's browser sends the
                                                # CSRF token of another session of its own

`given` and `bind` come from `flask_dredd.fixtures`; a caller is called with the
transaction and the rows the recipe made, and signs the request in. This module is
eventapi's: how its users authenticate, and who owns which row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventapi.models import Event, Speaker, Talk, Track, User
from factories.auth import sign_in, sign_in_browser, sign_in_expired
from factories.sessions import LoginSessionFactory
from flask_dredd.transactions import Transaction


@dataclass(frozen=True)
class Caller:
    """Who sends the request: the owner of the first row made, or a new user; and how."""

    name: str
    owner: bool
    via: str = "token"  # "token", "expired token", "browser", "expired browser"
    csrf: bool | str = True  # True its own token, False none, ANOTHER_SESSION another's

    def __call__(self, transaction: Transaction, rows: Sequence[Any]) -> None:
        user = owner_of(rows[0]) if self.owner else None
        if self.via == "token":
            sign_in(transaction, user)
        elif self.via == "expired token":
            sign_in_expired(transaction, user)
        else:
            # Another session's token: a live session of someone else, whose token is
            # valid, only not this session's.
            csrf = LoginSessionFactory().csrf_token if self.csrf == ANOTHER_SESSION else self.csrf
            sign_in_browser(transaction, user, expired="expired" in self.via, csrf=csrf)


ANOTHER_SESSION = "another session"


OWNER = Caller("owner", owner=True)
OWNER_BROWSER = Caller("owner_browser", owner=True, via="browser")
OWNER_BROWSER_WITHOUT_CSRF = Caller("owner_browser_without_csrf", True, "browser", csrf=False)
SOMEONE = Caller("someone", owner=False)
SOMEONE_EXPIRED = Caller("someone_expired", owner=False, via="expired token")
SOMEONE_BROWSER = Caller("someone_browser", owner=False, via="browser")
SOMEONE_BROWSER_WITHOUT_CSRF = Caller("someone_browser_without_csrf", False, "browser", False)
SOMEONE_BROWSER_EXPIRED = Caller("someone_browser_expired", owner=False, via="expired browser")
OWNER_BROWSER_OTHER_CSRF = Caller("owner_browser_other_csrf", True, "browser", ANOTHER_SESSION)
SOMEONE_BROWSER_OTHER_CSRF = Caller("someone_browser_other_csrf", False, "browser", ANOTHER_SESSION)


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
