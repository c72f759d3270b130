"""Errors that do not belong to one route: every one is JSON, none is a 500 for bad input."""

import pytest

from eventapi import create_app

from .support import error_of, invalid_fields


def test_unknown_route_is_json_404(client):
    error_of(client.get("/nowhere"), 404, "not_found")


def test_trailing_slash_is_a_404_not_a_redirect(client):
    error_of(client.get("/events/"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(client):
    response = client.put("/events")
    error_of(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.parametrize("path", ["/users", "/auth/login", "/events"])
def test_malformed_json_is_400(client, auth_headers, path):
    response = client.post(
        path, data='{"email": ', content_type="application/json", headers=auth_headers
    )
    error = error_of(response, 400, "malformed_json")
    assert error["message"] == "The request body is not valid JSON."


@pytest.mark.parametrize("body", ["[]", '"text"', "null", "42"])
def test_a_json_body_must_be_an_object(client, body):
    response = client.post("/users", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_an_empty_json_body_is_400(client):
    response = client.post("/users", data="", content_type="application/json")
    error_of(response, 400, "malformed_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_415(client, content_type):
    response = client.post("/users", data='{"email": "a@b.co"}', content_type=content_type)
    error = error_of(response, 415, "unsupported_media_type")
    assert "application/json" in error["message"]


def test_json_with_a_charset_is_accepted(client):
    body = '{"email": "ada@example.com", "name": "Ada", "password": "correct-horse"}'
    response = client.post("/users", data=body, content_type="application/json; charset=utf-8")
    assert response.status_code == 201


def test_unexpected_exceptions_are_json_500():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})  # its own: it gets a route

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    error = error_of(app.test_client().get("/boom"), 500, "internal_server_error")
    assert "kaboom" not in error["message"]


@pytest.mark.parametrize("path", ["/events/99999999999", "/users/0", "/events/-1"])
def test_ids_outside_the_id_column_are_404(client, auth_headers, path):
    error_of(client.get(path, headers=auth_headers), 404, "not_found")


def test_a_huge_filter_id_is_422_not_a_database_error(client):
    response = client.get("/events?owner_id=99999999999")
    assert invalid_fields(response) == {"owner_id": ["Must be at most 2147483647."]}


def test_a_datetime_that_overflows_in_utc_is_422(client, auth_headers):
    body = {"title": "End of time", "starts_at": "9999-12-31T23:00:00-05:00", "ends_at": "x"}
    response = client.post("/events", json=body, headers=auth_headers)
    assert invalid_fields(response)["starts_at"] == ["Out of range once converted to UTC."]
