"""Fixtures for the Events group: event 1, live or trashed, and its owner or someone else
signed in with a token or from a browser."""

import json
from datetime import timedelta

import dredd_hooks as hooks

from eventapi.models import Event
from factories import EventFactory, UserFactory, sign_in
from factories.events import FIRST_START
from factories.scenarios import (
    OWNER,
    OWNER_BROWSER,
    OWNER_BROWSER_WITHOUT_CSRF,
    SOMEONE,
    SOMEONE_BROWSER,
    SOMEONE_BROWSER_WITHOUT_CSRF,
)
from flask_dredd.declarations import no_fixtures
from flask_dredd.fixtures import bind, given
from flask_dredd.probes.conditions import NOT_NULL, gone, row
from flask_dredd.probes.followup import follow_up
from flask_dredd.probes.vacuity import scoped_list
from flask_dredd.transactions import set_body

EVENTS = "Events > Events"
EVENT = "Events > Event"
RESTORE = "Events > Event Restore > Restore an Event"

no_fixtures(f"{EVENTS} > List Events with an Unknown Parameter")  # refused before any lookup


def trashed_event():
    return EventFactory(trashed=True)


@hooks.before(f"{EVENTS} > List Events")
def events_to_filter(transaction):
    # ?owner_id=1&starts_after=2025-01-01T00:00:00Z&q=talks: events 1 and 2 match, in
    # order of their start (2 starts first). Each other event fails one rule alone:
    # someone else's (3), before 2025 (4), no "talks" (5), in the trash (6).
    ada = UserFactory()
    EventFactory(owner=ada, title="Lightning Talks", starts_at=FIRST_START + timedelta(days=4))
    EventFactory(owner=ada, title="Keynote", description="Talks about talks.")
    EventFactory(title="Talks elsewhere")
    EventFactory(owner=ada, title="Talks of 2024", starts_at=FIRST_START - timedelta(days=365))
    EventFactory(owner=ada, title="Workshop")
    EventFactory(owner=ada, title="Trashed talks", trashed=True)


@hooks.before(f"{EVENTS} > List Events with the Trash")
def own_and_others_trash(transaction):
    # The caller sees their live and trashed events, not someone else's trash.
    ada = sign_in(transaction)
    EventFactory(owner=ada)
    EventFactory(owner=ada, trashed=True)
    EventFactory(trashed=True)


# Only the caller's own trash: the fixtures must hold someone else's for it to leave out.
scoped_list(f"{EVENTS} > List Events with the Trash", Event, owner="owner_id")


@hooks.before(f"{EVENTS} > Create an Event > Example 6")
def signed_in_sending_too_much(transaction):
    sign_in(transaction)
    body = json.loads(transaction["request"]["body"])
    set_body(transaction, json.dumps({**body, "description": "x" * 70_000}))


bind(
    {
        given(EventFactory): [f"{EVENT} > Retrieve an Event > Example 1"],
        given(trashed_event): [f"{EVENT} > Retrieve an Event > Example 3"],
        given(caller=SOMEONE): [
            f"{EVENTS} > Create an Event > Example 1",
            f"{EVENTS} > Create an Event > Example 3",
            f"{EVENT} > Update an Event > Example 3",
            f"{EVENT} > Delete an Event > Example 3",
            f"{EVENT} > Delete an Event for Good > Example 4",
            f"{RESTORE} > Example 4",
        ],
        given(caller=SOMEONE_BROWSER): [f"{EVENTS} > Create an Event > Example 4"],
        given(caller=SOMEONE_BROWSER_WITHOUT_CSRF): [f"{EVENTS} > Create an Event > Example 5"],
        given(EventFactory, caller=OWNER): [
            f"{EVENT} > Update an Event > Example 1",
            f"{EVENT} > Update an Event > Example 4",
            f"{RESTORE} > Example 2",
        ],
        # A soft delete keeps the row, in the trash; ?permanent=true removes it.
        given(EventFactory, caller=OWNER, then=[row(Event, id=1, deleted_at=NOT_NULL)]): [
            f"{EVENT} > Delete an Event > Example 1"
        ],
        given(EventFactory, caller=OWNER, then=[gone(Event, id=1)]): [
            f"{EVENT} > Delete an Event for Good > Example 1"
        ],
        given(EventFactory, caller=OWNER_BROWSER): [f"{EVENT} > Update an Event > Example 5"],
        given(EventFactory, caller=OWNER_BROWSER_WITHOUT_CSRF): [
            f"{EVENT} > Delete an Event > Example 4"
        ],
        given(EventFactory, caller=SOMEONE): [
            f"{EVENT} > Update an Event > Example 2",
            f"{EVENT} > Delete an Event > Example 2",
        ],
        given(trashed_event, caller=OWNER): [f"{EVENT} > Retrieve a Trashed Event > Example 1"],
        given(trashed_event, caller=OWNER, then=[gone(Event, id=1)]): [
            f"{EVENT} > Delete an Event for Good > Example 2"
        ],
        given(trashed_event, caller=OWNER, then=[row(Event, id=1, deleted_at=None)]): [
            f"{RESTORE} > Example 1"
        ],
        given(trashed_event, caller=SOMEONE): [
            f"{EVENT} > Retrieve a Trashed Event > Example 2",
            f"{EVENT} > Delete an Event for Good > Example 3",
            f"{RESTORE} > Example 3",
        ],
    }
)

# After a soft delete, the event is gone for everyone, its owner included, unless asked
# with_trashed; after a delete for good, even its owner's with_trashed finds nothing.
TRASHED = f"{EVENT} > Retrieve a Trashed Event"
follow_up(f"{EVENT} > Delete an Event > Example 1", f"{EVENT} > Retrieve an Event > Example 2")
follow_up(f"{EVENT} > Delete an Event > Example 1", f"{TRASHED} > Example 1")
follow_up(f"{EVENT} > Delete an Event for Good > Example 1", f"{TRASHED} > Example 2")
