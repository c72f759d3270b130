"""Soft and hard deletes: the trash, with_trashed, restore, permanent=true."""

import pytest

from eventapi.extensions import db
from eventapi.models import Event, Talk, Track
from factories import EventFactory, TalkFactory, TrackFactory, UserFactory

from .support import bearer, error_of, invalid_fields, row_counts


@pytest.fixture
def event(app):
    return EventFactory()


def test_delete_moves_the_event_to_the_trash(client, event):
    response = client.delete(f"/events/{event.id}", headers=bearer(event.owner))

    assert response.status_code == 204
    assert db.session.get(Event, event.id).deleted_at is not None  # the row is still there
    error_of(client.get(f"/events/{event.id}"), 404, "not_found")


def test_trashed_events_leave_every_list(client, event):
    EventFactory(owner=event.owner, trashed=True)
    body = client.get("/events").get_json()
    assert [item["id"] for item in body["items"]] == [event.id]
    assert body["meta"]["total"] == 1


def test_with_trashed_shows_the_callers_trash_only(client, event):
    mine = EventFactory(owner=event.owner, trashed=True)
    EventFactory(trashed=True)  # someone else's

    body = client.get("/events?with_trashed=true", headers=bearer(event.owner)).get_json()

    assert sorted(item["id"] for item in body["items"]) == [event.id, mine.id]
    trashed = next(item for item in body["items"] if item["id"] == mine.id)
    assert trashed["deleted_at"].endswith("+00:00")


def test_with_trashed_needs_a_login(client, event):
    error_of(client.get("/events?with_trashed=true"), 401, "token_missing")
    error_of(client.get(f"/events/{event.id}?with_trashed=true"), 401, "token_missing")


def test_with_trashed_false_is_the_plain_list(client, event):
    assert client.get("/events?with_trashed=false").get_json()["meta"]["total"] == 1


@pytest.mark.parametrize("value", ["yes", "1", "TRUE", ""])
def test_with_trashed_must_be_true_or_false(client, value):
    response = client.get(f"/events?with_trashed={value}")
    assert invalid_fields(response) == {"with_trashed": ["Must be true or false."]}


def test_the_owner_finds_a_trashed_event_with_trashed(client):
    event = EventFactory(trashed=True)
    response = client.get(f"/events/{event.id}?with_trashed=true", headers=bearer(event.owner))
    assert response.status_code == 200
    assert response.get_json()["deleted_at"] is not None


def test_someone_elses_trash_is_404(client):
    event = EventFactory(trashed=True)
    response = client.get(f"/events/{event.id}?with_trashed=true", headers=bearer(UserFactory()))
    error_of(response, 404, "not_found")


def test_the_programme_of_a_trashed_event_is_gone_with_it(client):
    talk = TalkFactory(track=TrackFactory(event=EventFactory(trashed=True)))
    for path in (
        f"/tracks/{talk.track_id}",
        f"/talks/{talk.id}",
        f"/events/{talk.event_id}/talks",
        f"/events/{talk.event_id}/tracks",
        f"/talks/{talk.id}/speakers",
    ):
        error_of(client.get(path), 404, "not_found")


def test_trashing_again_is_404(client):
    event = EventFactory(trashed=True)
    error_of(client.delete(f"/events/{event.id}", headers=bearer(event.owner)), 404, "not_found")


def test_restore_takes_the_event_and_its_programme_back(client):
    event = EventFactory(trashed=True)
    talk = TalkFactory(event=event)

    response = client.post(f"/events/{event.id}/restore", headers=bearer(event.owner))

    assert response.status_code == 200
    assert response.get_json()["deleted_at"] is None
    assert client.get(f"/talks/{talk.id}").status_code == 200


def test_restoring_a_live_event_is_409(client, event):
    response = client.post(f"/events/{event.id}/restore", headers=bearer(event.owner))
    error_of(response, 409, "not_trashed")


def test_only_the_owner_restores_and_to_anyone_else_the_trashed_event_does_not_exist(client):
    event = EventFactory(trashed=True)
    stranger = bearer(UserFactory())
    before = row_counts()
    # As GET answers: a 403 would tell the stranger that the event exists.
    seen = client.get(f"/events/{event.id}?with_trashed=true", headers=stranger)
    restored = client.post(f"/events/{event.id}/restore", headers=stranger)
    deleted = client.delete(f"/events/{event.id}?permanent=true", headers=stranger)
    for response in (seen, restored, deleted):
        assert error_of(response, 404, "not_found")["message"] == f"Event {event.id} was not found."
    assert db.session.get(Event, event.id).deleted_at is not None
    assert row_counts() == before
    # Indistinguishable from an id that never existed.
    unknown = client.post(f"/events/{event.id + 1}/restore", headers=stranger)
    assert error_of(unknown, 404, "not_found")["message"].replace(str(event.id + 1), "N") == (
        error_of(restored, 404, "not_found")["message"].replace(str(event.id), "N")
    )


@pytest.mark.parametrize("trashed", [False, True], ids=["live", "trashed"])
def test_permanent_delete_removes_the_row_and_its_programme(client, trashed):
    event = EventFactory(trashed=trashed)
    event_id, owner = event.id, bearer(event.owner)
    TalkFactory(track=TrackFactory(event=event))
    TalkFactory(event=EventFactory())  # another event's programme stays

    response = client.delete(f"/events/{event_id}?permanent=true", headers=owner)

    assert response.status_code == 204
    assert db.session.get(Event, event_id) is None
    assert db.session.query(Track).count() == 0
    assert db.session.query(Talk).count() == 1


def test_permanent_delete_is_owner_only(client, event):
    stranger = bearer(UserFactory())
    before = row_counts()
    response = client.delete(f"/events/{event.id}?permanent=true", headers=stranger)
    error_of(response, 403, "forbidden")
    assert row_counts() == before


def test_permanent_false_is_a_soft_delete(client, event):
    response = client.delete(f"/events/{event.id}?permanent=false", headers=bearer(event.owner))
    assert response.status_code == 204
    assert db.session.get(Event, event.id).deleted_at is not None
