"""Fixtures for the Programme group: event 1's tracks and talks, and who gives them.

The owner of event 1 is the caller unless a hook signs in a stranger (a new user).
"""

import dredd_hooks as hooks

from factories import (
    EventFactory,
    SpeakerFactory,
    TalkFactory,
    TrackFactory,
    sign_in,
    sign_in_browser,
)
from flask_dredd.declarations import no_fixtures

TRACKS = "Programme > Tracks"
TRACK = "Programme > Track"
TALKS = "Programme > Talks"
TALK = "Programme > Talk"
ADD = "Programme > Talk Speaker > Add a Speaker to a Talk"
REMOVE = "Programme > Talk Speaker > Remove a Speaker from a Talk"

# The answer is about an empty database: event 1 and talk 1 do not exist.
no_fixtures(f"{TRACKS} > List Tracks > Example 2", f"{TALK} > Retrieve a Talk > Example 2")


@hooks.before(f"{TRACKS} > List Tracks > Example 1")
def tracks_to_filter(transaction):
    event = EventFactory()  # ?q=main: the first two match
    for name in ("Main Hall", "Main Stage", "Room B"):
        TrackFactory(event=event, name=name)


@hooks.before(f"{TRACKS} > Create a Track > Example 1")
@hooks.before(f"{TRACKS} > Create a Track > Example 4")
@hooks.before(f"{TALKS} > Create a Talk > Example 1")
@hooks.before(f"{TALKS} > Create a Talk > Example 3")
def owner_of_event_1_signed_in(transaction):
    sign_in(transaction, EventFactory().owner)


@hooks.before(f"{TRACKS} > Create a Track > Example 2")
def owner_of_event_1_in_a_browser(transaction):
    sign_in_browser(transaction, EventFactory().owner)


@hooks.before(f"{TRACKS} > Create a Track > Example 3")
@hooks.before(f"{TALKS} > Create a Talk > Example 4")
def stranger_to_event_1_signed_in(transaction):
    EventFactory()
    sign_in(transaction)


@hooks.before(f"{TALKS} > Create a Talk > Example 2")
def owner_of_event_1_while_track_2_is_another_events(transaction):
    sign_in(transaction, TrackFactory().event.owner)
    TrackFactory()  # track 2, of event 2


@hooks.before(f"{TRACK} > Retrieve a Track > Example 1")
def track_1(transaction):
    TrackFactory()


@hooks.before(f"{TRACK} > Retrieve a Track > Example 2")
def track_1_of_a_trashed_event(transaction):
    TrackFactory(event=EventFactory(trashed=True))


@hooks.before(f"{TRACK} > Update a Track > Example 1")
@hooks.before(f"{TRACK} > Delete a Track > Example 1")
def owner_of_track_1_signed_in(transaction):
    sign_in(transaction, TrackFactory().event.owner)


@hooks.before(f"{TRACK} > Update a Track > Example 2")
@hooks.before(f"{TRACK} > Delete a Track > Example 2")
def stranger_to_track_1_signed_in(transaction):
    TrackFactory()
    sign_in(transaction)


@hooks.before(f"{TALKS} > List Talks")
def talks_to_filter(transaction):
    # ?track_id=1&speaker_id=1&q=flask: only the first talk matches all three.
    track = TrackFactory()
    speaker = SpeakerFactory()
    TalkFactory(track=track, title="Flask at Scale", speakers=[speaker])
    TalkFactory(track=track, title="Flask Basics")
    TalkFactory(track=track, title="Django at Scale", speakers=[speaker])
    TalkFactory(event=track.event, title="Flask Without a Track", speakers=[speaker])


@hooks.before(f"{TALK} > Retrieve a Talk > Example 1")
def talk_1(transaction):
    TalkFactory(track=TrackFactory(), speakers=[SpeakerFactory()])


@hooks.before(f"{TALK} > Update a Talk > Example 1")
@hooks.before(f"{TALK} > Update a Talk > Example 2")
@hooks.before(f"{TALK} > Delete a Talk > Example 1")
@hooks.before(f"{ADD} > Example 2")
def owner_of_talk_1_signed_in(transaction):
    sign_in(transaction, TalkFactory().event.owner)


@hooks.before(f"{TALK} > Update a Talk > Example 3")
@hooks.before(f"{TALK} > Delete a Talk > Example 2")
def stranger_to_talk_1_signed_in(transaction):
    TalkFactory()
    sign_in(transaction)


@hooks.before("Programme > Talk Speakers > List a Talk's Speakers")
def speakers_to_filter(transaction):
    # ?q=ada: Ada gives talk 1, Grace too; Ada Byron gives another talk.
    talk = TalkFactory(speakers=[SpeakerFactory(name="Ada Lovelace"), SpeakerFactory()])
    TalkFactory(event=talk.event, speakers=[SpeakerFactory(name="Ada Byron")])


@hooks.before(f"{ADD} > Example 1")
@hooks.before(f"{REMOVE} > Example 2")
def owner_of_talk_1_and_speaker_1(transaction):
    sign_in(transaction, TalkFactory().event.owner)
    SpeakerFactory()


@hooks.before(f"{ADD} > Example 3")
def stranger_to_talk_1_and_speaker_1(transaction):
    TalkFactory()
    SpeakerFactory()
    sign_in(transaction)


@hooks.before(f"{REMOVE} > Example 1")
def owner_of_talk_1_given_by_speaker_1(transaction):
    sign_in(transaction, TalkFactory(speakers=[SpeakerFactory()]).event.owner)
