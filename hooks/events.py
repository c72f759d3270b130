"""Fixtures for the Events group: event 1 and, when signed in, its owner or a stranger."""

import dredd_hooks as hooks

from factories import EventFactory, UserFactory, sign_in


@hooks.before("Events > Events > List Events")
def events_to_filter(transaction):
    # The query asks for owner 1's events after 2025-01-01 mentioning "talks": the first
    # two match, the third belongs to someone else.
    ada = UserFactory()
    EventFactory(owner=ada, title="Lightning Talks")
    EventFactory(owner=ada, title="Keynote", description="Talks about talks.")
    EventFactory(title="Talks elsewhere")


@hooks.before("Events > Events > Create an Event > Example 1")
@hooks.before("Events > Events > Create an Event > Example 3")
@hooks.before("Events > Event > Update an Event > Example 3")
@hooks.before("Events > Event > Delete an Event > Example 3")
def signed_in_no_events(transaction):
    sign_in(transaction)


@hooks.before("Events > Event > Retrieve an Event > Example 1")
def event_1(transaction):
    EventFactory()


@hooks.before("Events > Event > Update an Event > Example 1")
@hooks.before("Events > Event > Update an Event > Example 4")
@hooks.before("Events > Event > Delete an Event > Example 1")
def owner_of_event_1_signed_in(transaction):
    sign_in(transaction, EventFactory().owner)


@hooks.before("Events > Event > Update an Event > Example 2")
@hooks.before("Events > Event > Delete an Event > Example 2")
def stranger_to_event_1_signed_in(transaction):
    EventFactory()
    sign_in(transaction)
