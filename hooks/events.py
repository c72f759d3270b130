"""Fixtures for the Events group: event 1, live or trashed, and its owner or a stranger
signed in with a token or from a browser."""

import json

import dredd_hooks as hooks

from factories import EventFactory, UserFactory, sign_in, sign_in_browser
from flask_dredd.declarations import no_fixtures
from flask_dredd.transactions import set_body

EVENTS = "Events > Events"
EVENT = "Events > Event"
RESTORE = "Events > Event Restore > Restore an Event"

no_fixtures(f"{EVENTS} > List Events with an Unknown Parameter")  # refused before any lookup


@hooks.before(f"{EVENTS} > List Events")
def events_to_filter(transaction):
    # The query asks for owner 1's events after 2025-01-01 mentioning "talks": the first
    # two match, the third belongs to someone else.
    ada = UserFactory()
    EventFactory(owner=ada, title="Lightning Talks")
    EventFactory(owner=ada, title="Keynote", description="Talks about talks.")
    EventFactory(title="Talks elsewhere")


@hooks.before(f"{EVENTS} > List Events with the Trash")
def own_and_others_trash(transaction):
    # The caller sees their live and trashed events, not someone else's trash.
    ada = sign_in(transaction)
    EventFactory(owner=ada)
    EventFactory(owner=ada, trashed=True)
    EventFactory(trashed=True)


@hooks.before(f"{EVENTS} > Create an Event > Example 1")
@hooks.before(f"{EVENTS} > Create an Event > Example 3")
@hooks.before(f"{EVENT} > Update an Event > Example 3")
@hooks.before(f"{EVENT} > Delete an Event > Example 3")
@hooks.before(f"{RESTORE} > Example 4")
def signed_in_no_events(transaction):
    sign_in(transaction)


@hooks.before(f"{EVENTS} > Create an Event > Example 4")
def browser_signed_in(transaction):
    sign_in_browser(transaction)


@hooks.before(f"{EVENTS} > Create an Event > Example 5")
def browser_without_csrf_token(transaction):
    sign_in_browser(transaction, csrf=False)


@hooks.before(f"{EVENTS} > Create an Event > Example 6")
def signed_in_sending_too_much(transaction):
    sign_in(transaction)
    body = json.loads(transaction["request"]["body"].replace("xxxxxxxx… (70,000 characters)", ""))
    set_body(transaction, json.dumps({**body, "description": "x" * 70_000}))


@hooks.before(f"{EVENT} > Retrieve an Event > Example 1")
def event_1(transaction):
    EventFactory()


@hooks.before(f"{EVENT} > Retrieve an Event > Example 3")
def event_1_trashed(transaction):
    EventFactory(trashed=True)


@hooks.before(f"{EVENT} > Update an Event > Example 1")
@hooks.before(f"{EVENT} > Update an Event > Example 4")
@hooks.before(f"{EVENT} > Delete an Event > Example 1")
@hooks.before(f"{EVENT} > Delete an Event for Good > Example 1")
@hooks.before(f"{RESTORE} > Example 2")
def owner_of_event_1_signed_in(transaction):
    sign_in(transaction, EventFactory().owner)


@hooks.before(f"{EVENT} > Update an Event > Example 5")
def owner_of_event_1_in_a_browser(transaction):
    sign_in_browser(transaction, EventFactory().owner)


@hooks.before(f"{EVENT} > Delete an Event > Example 4")
def owner_of_event_1_in_a_browser_without_csrf_token(transaction):
    sign_in_browser(transaction, EventFactory().owner, csrf=False)


@hooks.before(f"{EVENT} > Update an Event > Example 2")
@hooks.before(f"{EVENT} > Delete an Event > Example 2")
def stranger_to_event_1_signed_in(transaction):
    EventFactory()
    sign_in(transaction)


@hooks.before(f"{EVENT} > Retrieve a Trashed Event > Example 1")
@hooks.before(f"{EVENT} > Delete an Event for Good > Example 2")
@hooks.before(f"{RESTORE} > Example 1")
def owner_of_trashed_event_1_signed_in(transaction):
    sign_in(transaction, EventFactory(trashed=True).owner)


@hooks.before(f"{EVENT} > Retrieve a Trashed Event > Example 2")
@hooks.before(f"{RESTORE} > Example 3")
def stranger_to_trashed_event_1_signed_in(transaction):
    EventFactory(trashed=True)
    sign_in(transaction)
