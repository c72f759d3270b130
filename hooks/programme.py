"""Fixtures for the Programme group: event 1's tracks and talks, and who gives them.

The caller is the owner of the first row made (event, track or talk 1) or someone else.
"""

import dredd_hooks as hooks

from factories import EventFactory, SpeakerFactory, TalkFactory, TrackFactory
from factories.scenarios import OWNER, OWNER_BROWSER, SOMEONE
from flask_dredd.declarations import no_fixtures
from flask_dredd.fixtures import bind, given

TRACKS = "Programme > Tracks"
TRACK = "Programme > Track"
TALKS = "Programme > Talks"
TALK = "Programme > Talk"
ADD = "Programme > Talk Speaker > Add a Speaker to a Talk"
REMOVE = "Programme > Talk Speaker > Remove a Speaker from a Talk"

# The answer is about an empty database: event 1 and talk 1 do not exist.
no_fixtures(f"{TRACKS} > List Tracks > Example 2", f"{TALK} > Retrieve a Talk > Example 2")


def track_of_a_trashed_event():
    return TrackFactory(event__trashed=True)


def talk_in_a_track_given_by_speaker_1():
    return TalkFactory(track=TrackFactory(), speakers=[SpeakerFactory()])


def talk_given_by_speaker_1():
    return TalkFactory(speakers=[SpeakerFactory()])


@hooks.before(f"{TRACKS} > List Tracks > Example 1")
def tracks_to_filter(transaction):
    event = EventFactory()  # ?q=main: the first two match; Room B does not
    for name in ("Main Hall", "Main Stage", "Room B"):
        TrackFactory(event=event, name=name)
    TrackFactory(name="Main Tent")  # matches, but is another event's


@hooks.before(f"{TALKS} > List Talks")
def talks_to_filter(transaction):
    # ?track_id=1&speaker_id=1&q=flask: only the first talk matches all three.
    track = TrackFactory()
    speaker = SpeakerFactory()
    TalkFactory(track=track, title="Flask at Scale", speakers=[speaker])
    TalkFactory(track=track, title="Flask Basics")
    TalkFactory(track=track, title="Django at Scale", speakers=[speaker])
    TalkFactory(event=track.event, title="Flask Without a Track", speakers=[speaker])


@hooks.before("Programme > Talk Speakers > List a Talk's Speakers")
def speakers_to_filter(transaction):
    # ?q=ada: Ada gives talk 1, Grace too; Ada Byron gives another talk.
    talk = TalkFactory(speakers=[SpeakerFactory(name="Ada Lovelace"), SpeakerFactory()])
    TalkFactory(event=talk.event, speakers=[SpeakerFactory(name="Ada Byron")])


bind(
    {
        given(TrackFactory): [f"{TRACK} > Retrieve a Track > Example 1"],
        given(track_of_a_trashed_event): [f"{TRACK} > Retrieve a Track > Example 2"],
        given(talk_in_a_track_given_by_speaker_1): [f"{TALK} > Retrieve a Talk > Example 1"],
        given(EventFactory, caller=OWNER): [
            f"{TRACKS} > Create a Track > Example 1",
            f"{TRACKS} > Create a Track > Example 4",
            f"{TALKS} > Create a Talk > Example 1",
            f"{TALKS} > Create a Talk > Example 3",
        ],
        given(EventFactory, caller=OWNER_BROWSER): [f"{TRACKS} > Create a Track > Example 2"],
        given(EventFactory, caller=SOMEONE): [
            f"{TRACKS} > Create a Track > Example 3",
            f"{TALKS} > Create a Talk > Example 4",
        ],
        # Track 1 is event 1's, track 2 another event's.
        given(TrackFactory, TrackFactory, caller=OWNER): [f"{TALKS} > Create a Talk > Example 2"],
        given(TrackFactory, caller=OWNER): [
            f"{TRACK} > Update a Track > Example 1",
            f"{TRACK} > Delete a Track > Example 1",
        ],
        given(TrackFactory, caller=SOMEONE): [
            f"{TRACK} > Update a Track > Example 2",
            f"{TRACK} > Delete a Track > Example 2",
        ],
        given(TalkFactory, caller=OWNER): [
            f"{TALK} > Update a Talk > Example 1",
            f"{TALK} > Update a Talk > Example 2",
            f"{TALK} > Delete a Talk > Example 1",
            f"{ADD} > Example 2",
        ],
        given(TalkFactory, caller=SOMEONE): [
            f"{TALK} > Update a Talk > Example 3",
            f"{TALK} > Delete a Talk > Example 2",
        ],
        given(TalkFactory, SpeakerFactory, caller=OWNER): [
            f"{ADD} > Example 1",
            f"{REMOVE} > Example 2",
        ],
        given(TalkFactory, SpeakerFactory, caller=SOMEONE): [f"{ADD} > Example 3"],
        given(talk_given_by_speaker_1, caller=OWNER): [f"{REMOVE} > Example 1"],
    }
)
