from datetime import UTC, datetime

import pytest

from eventapi.extensions import db
from eventapi.models import Event
from factories import EventFactory, UserFactory

from .support import bearer, error_of, invalid_fields

NOT_ISO = "Not an ISO 8601 date-time, e.g. 2025-06-01T09:00:00+00:00."
AT_LEAST_1 = "Must be at least 1."
NEW_EVENT = {
    "title": "Lightning Talks",
    "description": "Five minutes each.",
    "starts_at": "2025-06-01T20:00:00+02:00",
    "ends_at": "2025-06-01T20:00:00Z",
}


# POST /events


def test_create_event_owned_by_the_caller(client, user, auth_headers):
    response = client.post("/events", json=NEW_EVENT, headers=auth_headers)

    assert response.status_code == 201
    assert response.headers["Location"] == "/events/1"
    body = response.get_json()
    created, updated = body.pop("created_at"), body.pop("updated_at")
    assert created.endswith("+00:00") and updated.endswith("+00:00")
    assert body == {
        "id": 1,
        "title": "Lightning Talks",
        "description": "Five minutes each.",
        "starts_at": "2025-06-01T18:00:00+00:00",  # answered in UTC
        "ends_at": "2025-06-01T20:00:00+00:00",
        "owner_id": user.id,
        "deleted_at": None,
    }


def test_description_defaults_to_empty(client, auth_headers):
    body = {key: value for key, value in NEW_EVENT.items() if key != "description"}
    response = client.post("/events", json=body, headers=auth_headers)
    assert response.get_json()["description"] == ""


def test_create_event_needs_a_token(client):
    error_of(client.post("/events", json=NEW_EVENT), 401, "token_missing")


def test_an_event_must_end_after_it_starts(client, auth_headers):
    body = {**NEW_EVENT, "ends_at": NEW_EVENT["starts_at"]}
    response = client.post("/events", json=body, headers=auth_headers)
    assert invalid_fields(response) == {"ends_at": ["Must be later than starts_at."]}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2025-06-01T18:00:00", "Must include a time zone offset, e.g. +00:00 or Z."),
        ("next Tuesday", NOT_ISO),
        (1748800800, "Must be an ISO 8601 date-time string."),
    ],
    ids=["naive", "prose", "epoch number"],
)
def test_starts_at_must_be_an_aware_iso_datetime(client, auth_headers, value, problem):
    body = {**NEW_EVENT, "starts_at": value}
    response = client.post("/events", json=body, headers=auth_headers)
    assert invalid_fields(response) == {"starts_at": [problem]}


def test_title_length_is_bounded(client, auth_headers):
    body = {**NEW_EVENT, "title": "x" * 201}
    response = client.post("/events", json=body, headers=auth_headers)
    assert invalid_fields(response) == {"title": ["Must be at most 200 characters."]}


# GET /events


def test_list_events_in_start_order_without_a_token(client):
    late = EventFactory(starts_at=datetime(2025, 9, 1, tzinfo=UTC))
    early = EventFactory(starts_at=datetime(2025, 3, 1, tzinfo=UTC))

    body = client.get("/events").get_json()

    assert [event["id"] for event in body["items"]] == [early.id, late.id]
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 2, "pages": 1}


def test_filter_by_owner(client):
    ada = UserFactory()
    EventFactory.create_batch(2, owner=ada)
    EventFactory()

    body = client.get(f"/events?owner_id={ada.id}").get_json()

    assert {event["owner_id"] for event in body["items"]} == {ada.id}
    assert body["meta"]["total"] == 2


def test_filter_starts_after_is_strict_and_offset_aware(client):
    EventFactory(title="at nine", starts_at=datetime(2025, 6, 1, 9, tzinfo=UTC))
    EventFactory(title="at ten", starts_at=datetime(2025, 6, 1, 10, tzinfo=UTC))

    # 11:00+02:00 is 09:00 UTC: the event at nine is not strictly after it.
    body = client.get("/events?starts_after=2025-06-01T11:00:00%2B02:00").get_json()

    assert [event["title"] for event in body["items"]] == ["at ten"]


def test_filter_q_searches_title_and_description_ignoring_case(client):
    EventFactory(title="Lightning TALKS")
    EventFactory(title="Keynote", description="talks about talks")
    EventFactory(title="Workshop")

    body = client.get("/events?q=talks").get_json()

    assert sorted(event["title"] for event in body["items"]) == ["Keynote", "Lightning TALKS"]


def test_filter_q_treats_wildcards_literally(client):
    EventFactory(title="100% fun")
    EventFactory(title="1000 fun")

    body = client.get("/events?q=100%25").get_json()

    assert [event["title"] for event in body["items"]] == ["100% fun"]


def test_filters_combine(client):
    ada = UserFactory()
    EventFactory(owner=ada, title="Talks", starts_at=datetime(2025, 6, 1, tzinfo=UTC))
    EventFactory(owner=ada, title="Talks", starts_at=datetime(2024, 6, 1, tzinfo=UTC))
    EventFactory(title="Talks", starts_at=datetime(2025, 6, 1, tzinfo=UTC))

    query = f"/events?owner_id={ada.id}&starts_after=2025-01-01T00:00:00Z&q=talk"
    body = client.get(query).get_json()

    assert body["meta"]["total"] == 1


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("owner_id=abc", {"owner_id": ["Must be a whole number."]}),
        ("owner_id=0", {"owner_id": [AT_LEAST_1]}),
        ("starts_after=yesterday", {"starts_after": [NOT_ISO]}),
        ("page=-1&per_page=0", {"page": [AT_LEAST_1], "per_page": [AT_LEAST_1]}),
    ],
)
def test_invalid_filters_are_422(client, query, fields):
    assert invalid_fields(client.get(f"/events?{query}")) == fields


def test_unknown_query_parameters_are_400_naming_them(client):
    error = error_of(
        client.get("/events?utm_source=newsletter&ownerid=1"), 400, "unknown_parameter"
    )
    assert error["message"].startswith("Unknown query parameters: ownerid, utm_source.")
    assert "owner_id" in error["message"]


# GET /events/{id}


def test_get_event(client):
    event = EventFactory(title="Lightning Talks")
    body = client.get(f"/events/{event.id}").get_json()
    assert body["title"] == "Lightning Talks"
    assert body["starts_at"] == "2025-06-01T18:00:00+00:00"


def test_get_unknown_event_is_404(client):
    error = error_of(client.get("/events/1"), 404, "not_found")
    assert error["message"] == "Event 1 was not found."


# PATCH /events/{id}


def test_owner_updates_some_fields(client):
    event = EventFactory(title="Old", description="kept")
    headers = bearer(event.owner)
    response = client.patch(f"/events/{event.id}", json={"title": "New"}, headers=headers)

    assert response.status_code == 200
    assert response.get_json()["title"] == "New"
    assert response.get_json()["description"] == "kept"
    assert db.session.get(Event, event.id).title == "New"


def test_update_checks_the_merged_times(client):
    event = EventFactory()  # 18:00 to 20:00 UTC
    body = {"starts_at": "2025-06-01T21:00:00Z"}
    response = client.patch(f"/events/{event.id}", json=body, headers=bearer(event.owner))
    assert invalid_fields(response) == {"ends_at": ["Must be later than starts_at."]}


def test_non_owner_update_is_403(client, auth_headers):
    event = EventFactory(title="Theirs")
    response = client.patch(f"/events/{event.id}", json={"title": "Mine"}, headers=auth_headers)
    error = error_of(response, 403, "forbidden")
    assert error["message"] == "Only the event's owner may change or delete it."
    db.session.expire_all()
    assert db.session.get(Event, event.id).title == "Theirs"


def test_update_unknown_event_is_404(client, auth_headers):
    error_of(client.patch("/events/5", json={"title": "x"}, headers=auth_headers), 404, "not_found")


def test_update_needs_a_token(client):
    event = EventFactory()
    error_of(client.patch(f"/events/{event.id}", json={"title": "x"}), 401, "token_missing")


# DELETE /events/{id}


def test_owner_deletes(client):
    event = EventFactory()
    response = client.delete(f"/events/{event.id}", headers=bearer(event.owner))
    assert response.status_code == 204
    assert response.data == b""
    error_of(client.get(f"/events/{event.id}"), 404, "not_found")


def test_non_owner_delete_is_403(client, auth_headers):
    event = EventFactory()
    error_of(client.delete(f"/events/{event.id}", headers=auth_headers), 403, "forbidden")
    assert client.get(f"/events/{event.id}").status_code == 200


def test_delete_unknown_event_is_404(client, auth_headers):
    error_of(client.delete("/events/3", headers=auth_headers), 404, "not_found")
