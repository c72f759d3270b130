"""Fixtures for the Speakers group: speaker 1, its creator or a stranger signed in."""

import dredd_hooks as hooks

from factories import SpeakerFactory, TalkFactory, sign_in, sign_in_browser
from flask_dredd.declarations import no_fixtures

SPEAKERS = "Speakers > Speakers"
SPEAKER = "Speakers > Speaker"

# Refused before any lookup (no login), or about an empty database (no speaker 1).
no_fixtures(
    f"{SPEAKERS} > Create a Speaker > Example 3", f"{SPEAKER} > Retrieve a Speaker > Example 2"
)


@hooks.before(f"{SPEAKERS} > List Speakers")
def speakers_to_filter(transaction):
    # ?q=lovelace&event_id=1: Ada gives a talk at event 1; Grace does too but is not a
    # Lovelace; the other Lovelace speaks at no event.
    TalkFactory(speakers=[SpeakerFactory(name="Ada Lovelace"), SpeakerFactory()])
    SpeakerFactory(name="Lady Lovelace")


@hooks.before(f"{SPEAKERS} > Create a Speaker > Example 1")
@hooks.before(f"{SPEAKERS} > Create a Speaker > Example 4")
def signed_in(transaction):
    sign_in(transaction)


@hooks.before(f"{SPEAKERS} > Create a Speaker > Example 2")
def browser_signed_in(transaction):
    sign_in_browser(transaction)


@hooks.before(f"{SPEAKER} > Retrieve a Speaker > Example 1")
def speaker_1(transaction):
    SpeakerFactory()


@hooks.before(f"{SPEAKER} > Update a Speaker > Example 1")
@hooks.before(f"{SPEAKER} > Delete a Speaker > Example 1")
def creator_of_speaker_1_signed_in(transaction):
    sign_in(transaction, SpeakerFactory().owner)


@hooks.before(f"{SPEAKER} > Update a Speaker > Example 2")
@hooks.before(f"{SPEAKER} > Delete a Speaker > Example 2")
def stranger_to_speaker_1_signed_in(transaction):
    SpeakerFactory()
    sign_in(transaction)
