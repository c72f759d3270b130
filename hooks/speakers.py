"""Fixtures for the Speakers group: speaker 1, its creator or someone else signed in."""

import dredd_hooks as hooks

from factories import SpeakerFactory, TalkFactory
from factories.scenarios import OWNER, SOMEONE, SOMEONE_BROWSER
from flask_dredd.declarations import no_fixtures
from flask_dredd.fixtures import bind, given

SPEAKERS = "Speakers > Speakers"
SPEAKER = "Speakers > Speaker"

# Refused before any lookup (no login), or about an empty database (no speaker 1).
no_fixtures(
    f"{SPEAKERS} > Create a Speaker > Example 3",
    f"{SPEAKER} > Retrieve a Speaker > Example 2",
)


@hooks.before(f"{SPEAKERS} > List Speakers")
def speakers_to_filter(transaction):
    # ?q=lovelace&event_id=1: Ada gives a talk at event 1; Grace does too but is not a
    # Lovelace; the other Lovelace speaks at no event.
    TalkFactory(speakers=[SpeakerFactory(name="Ada Lovelace"), SpeakerFactory()])
    SpeakerFactory(name="Lady Lovelace")


bind(
    {
        given(caller=SOMEONE): [
            f"{SPEAKERS} > Create a Speaker > Example 1",
            f"{SPEAKERS} > Create a Speaker > Example 4",
        ],
        given(caller=SOMEONE_BROWSER): [f"{SPEAKERS} > Create a Speaker > Example 2"],
        given(SpeakerFactory): [f"{SPEAKER} > Retrieve a Speaker > Example 1"],
        given(SpeakerFactory, caller=OWNER): [
            f"{SPEAKER} > Update a Speaker > Example 1",
            f"{SPEAKER} > Delete a Speaker > Example 1",
        ],
        given(SpeakerFactory, caller=SOMEONE): [
            f"{SPEAKER} > Update a Speaker > Example 2",
            f"{SPEAKER} > Delete a Speaker > Example 2",
        ],
    }
)
