"""Tracks, talks and who gives them: owner-only changes, filters, pagination, links."""

import pytest

from eventapi.extensions import db
from eventapi.models import Speaker, Talk, Track
from factories import EventFactory, SpeakerFactory, TalkFactory, TrackFactory, UserFactory

from .support import bearer, error_of, invalid_fields, row_counts

TALK = {
    "title": "Flask at Scale",
    "starts_at": "2025-06-01T18:00:00Z",
    "ends_at": "2025-06-01T18:30:00Z",
}


@pytest.fixture
def event(app):
    return EventFactory()  # 2025-06-01 18:00 to 20:00 UTC


@pytest.fixture
def owner(event):
    return bearer(event.owner)


# Tracks


def test_owner_creates_a_track(client, event, owner):
    response = client.post(f"/events/{event.id}/tracks", json={"name": "Main"}, headers=owner)
    assert response.status_code == 201
    assert response.headers["Location"] == "/tracks/1"
    assert response.get_json()["event_id"] == event.id
    assert response.get_json()["description"] == ""


def test_list_tracks_filters_and_paginates(client, event):
    for name in ("Main Hall", "Room B", "Main Stage"):
        TrackFactory(event=event, name=name)
    TrackFactory(name="Main elsewhere")

    body = client.get(f"/events/{event.id}/tracks?q=main&per_page=1&page=2").get_json()

    assert [track["name"] for track in body["items"]] == ["Main Stage"]
    assert body["meta"] == {"page": 2, "per_page": 1, "total": 2, "pages": 2}


def test_only_the_owner_changes_the_programme(client, event):
    track = TrackFactory(event=event)
    talk = TalkFactory(event=event)
    speaker = SpeakerFactory()
    stranger = bearer(UserFactory())
    before = row_counts()
    for method, path, body in [
        ("post", f"/events/{event.id}/tracks", {"name": "Mine"}),
        ("patch", f"/tracks/{track.id}", {"name": "Mine"}),
        ("delete", f"/tracks/{track.id}", None),
        ("post", f"/events/{event.id}/talks", TALK),
        ("patch", f"/talks/{talk.id}", {"title": "Mine"}),
        ("delete", f"/talks/{talk.id}", None),
        ("put", f"/talks/{talk.id}/speakers/{speaker.id}", None),
        ("delete", f"/talks/{talk.id}/speakers/{speaker.id}", None),
    ]:
        response = getattr(client, method)(path, json=body, headers=stranger)
        error = error_of(response, 403, "forbidden")
        assert error["message"] == "Only the event's owner may change its programme.", path
    assert row_counts() == before
    assert db.session.get(Track, track.id).name == track.name


def test_deleting_a_track_keeps_its_talks_in_no_track(client, event, owner):
    track = TrackFactory(event=event)
    talk = TalkFactory(track=track)
    assert client.delete(f"/tracks/{track.id}", headers=owner).status_code == 204
    assert db.session.get(Talk, talk.id).track_id is None


# Talks


def test_owner_creates_a_talk_in_a_track(client, event, owner):
    track = TrackFactory(event=event)
    response = client.post(
        f"/events/{event.id}/talks", json={**TALK, "track_id": track.id}, headers=owner
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["track_id"] == track.id
    assert body["speaker_ids"] == []
    assert response.headers["Location"] == f"/talks/{body['id']}"


def test_a_talk_takes_place_during_its_event(client, event, owner):
    body = {**TALK, "starts_at": "2025-06-01T19:30:00Z", "ends_at": "2025-06-01T20:30:00Z"}
    response = client.post(f"/events/{event.id}/talks", json=body, headers=owner)
    assert list(invalid_fields(response)) == ["starts_at"]
    assert row_counts()["talks"] == 0


def test_a_talk_ends_after_it_starts(client, event, owner):
    body = {**TALK, "ends_at": TALK["starts_at"]}
    response = client.post(f"/events/{event.id}/talks", json=body, headers=owner)
    assert invalid_fields(response) == {"ends_at": ["Must be later than starts_at."]}


@pytest.mark.parametrize("track_id", [2, 99])
def test_a_talks_track_belongs_to_its_event(client, event, owner, track_id):
    TrackFactory(event=event)
    TrackFactory()  # track 2, of another event
    body = {**TALK, "track_id": track_id}
    response = client.post(f"/events/{event.id}/talks", json=body, headers=owner)
    assert invalid_fields(response) == {"track_id": [f"Event 1 has no track {track_id}."]}


@pytest.mark.parametrize("track_id", ["1", True, 1.5, 0, -3, 2**31])
def test_track_id_must_be_an_id_or_null(client, event, owner, track_id):
    response = client.post(
        f"/events/{event.id}/talks", json={**TALK, "track_id": track_id}, headers=owner
    )
    assert list(invalid_fields(response)) == ["track_id"]


def test_patch_moves_a_talk_out_of_its_track_and_checks_merged_times(client, event, owner):
    talk = TalkFactory(track=TrackFactory(event=event))
    response = client.patch(f"/talks/{talk.id}", json={"track_id": None}, headers=owner)
    assert response.status_code == 200
    assert response.get_json()["track_id"] is None

    late = {"starts_at": "2025-06-01T18:45:00Z"}  # after its end at 18:30
    response = client.patch(f"/talks/{talk.id}", json=late, headers=owner)
    assert invalid_fields(response) == {"ends_at": ["Must be later than starts_at."]}
    assert db.session.get(Talk, talk.id).starts_at.minute == 0


def test_list_talks_filters_by_track_speaker_and_title(client, event):
    track = TrackFactory(event=event)
    ada = SpeakerFactory()
    TalkFactory(track=track, title="Flask at Scale", speakers=[ada])
    TalkFactory(track=track, title="Flask Basics")
    TalkFactory(event=event, title="Flask Elsewhere", speakers=[ada])
    TalkFactory(title="Flask at another event", speakers=[ada])
    path = f"/events/{event.id}/talks"

    def titles(query):
        return [talk["title"] for talk in client.get(f"{path}?{query}").get_json()["items"]]

    assert titles(f"track_id={track.id}") == ["Flask at Scale", "Flask Basics"]
    assert titles(f"speaker_id={ada.id}") == ["Flask at Scale", "Flask Elsewhere"]
    assert titles(f"track_id={track.id}&speaker_id={ada.id}&q=SCALE") == ["Flask at Scale"]


# Speakers of a talk


def test_link_and_unlink_a_speaker(client, event, owner):
    talk = TalkFactory(event=event)
    speaker = SpeakerFactory(name="Ada Lovelace")
    path = f"/talks/{talk.id}/speakers/{speaker.id}"

    assert client.put(path, headers=owner).status_code == 204
    assert client.put(path, headers=owner).status_code == 204  # idempotent
    assert client.get(f"/talks/{talk.id}").get_json()["speaker_ids"] == [speaker.id]
    body = client.get(f"/talks/{talk.id}/speakers?q=ada").get_json()
    assert [s["name"] for s in body["items"]] == ["Ada Lovelace"]

    assert client.delete(path, headers=owner).status_code == 204
    error = error_of(client.delete(path, headers=owner), 404, "not_found")
    assert error["message"] == f"Speaker {speaker.id} does not give talk {talk.id}."


def test_linking_an_unknown_speaker_is_404(client, event, owner):
    talk = TalkFactory(event=event)
    error_of(client.put(f"/talks/{talk.id}/speakers/9", headers=owner), 404, "not_found")


def test_deleting_a_speaker_takes_them_off_every_talk(client):
    speaker = SpeakerFactory()
    talk = TalkFactory(speakers=[speaker])
    response = client.delete(f"/speakers/{speaker.id}", headers=bearer(speaker.owner))
    assert response.status_code == 204
    assert client.get(f"/talks/{talk.id}").get_json()["speaker_ids"] == []
    assert db.session.get(Talk, talk.id) is not None


# Speakers


def test_create_a_speaker_owned_by_the_caller(client, user, auth_headers):
    response = client.post("/speakers", json={"name": "Grace Hopper"}, headers=auth_headers)
    assert response.status_code == 201
    assert response.get_json()["owner_id"] == user.id
    assert response.headers["Location"] == "/speakers/1"


def test_only_the_creator_changes_a_speaker(client):
    speaker = SpeakerFactory(name="Ada")
    stranger = bearer(UserFactory())
    error_of(
        client.patch(f"/speakers/{speaker.id}", json={"name": "X"}, headers=stranger),
        403,
        "forbidden",
    )
    error_of(client.delete(f"/speakers/{speaker.id}", headers=stranger), 403, "forbidden")
    assert db.session.get(Speaker, speaker.id).name == "Ada"
    response = client.patch(
        f"/speakers/{speaker.id}", json={"bio": "Poet"}, headers=bearer(speaker.owner)
    )
    assert response.get_json()["bio"] == "Poet"


def test_list_speakers_by_name_and_event(client, event):
    ada, grace = SpeakerFactory(name="Ada Lovelace"), SpeakerFactory(name="Grace Hopper")
    SpeakerFactory(name="Lady Lovelace")
    TalkFactory(event=event, speakers=[ada, grace])
    TalkFactory(event=EventFactory(trashed=True), speakers=[SpeakerFactory(name="Trashed")])

    def names(query):
        return [s["name"] for s in client.get(f"/speakers?{query}").get_json()["items"]]

    assert names("q=lovelace") == ["Ada Lovelace", "Lady Lovelace"]
    assert names(f"event_id={event.id}") == ["Ada Lovelace", "Grace Hopper"]
    assert names(f"event_id={event.id}&q=LOVE") == ["Ada Lovelace"]
    assert names("event_id=2") == []  # the trashed event's speakers are not listed by it
