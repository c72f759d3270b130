from sqlalchemy import select

from eventapi.extensions import db
from eventapi.models import User
from factories import UserFactory

from .support import bearer, error_of, invalid_fields

NEW_USER = {"email": "Ada@Example.com", "name": "Ada Lovelace", "password": "correct-horse"}


# POST /users


def test_create_user_returns_the_member_and_its_location(client):
    response = client.post("/users", json=NEW_USER)

    assert response.status_code == 201
    assert response.headers["Location"] == "/users/1"
    body = response.get_json()
    assert body.pop("created_at").endswith("+00:00")
    assert body == {"id": 1, "email": "ada@example.com", "name": "Ada Lovelace", "role": "member"}


def test_create_user_stores_a_hash_not_the_password(client):
    client.post("/users", json=NEW_USER)
    stored = db.session.scalar(select(User))
    assert NEW_USER["password"] not in stored.password_hash


def test_create_user_with_a_taken_email_is_409(client):
    UserFactory(email="ada@example.com")
    error = error_of(client.post("/users", json=NEW_USER), 409, "email_taken")
    assert error["message"] == "A user with email ada@example.com already exists."


def test_create_user_reports_every_invalid_field(client):
    body = {"email": "ada", "name": " ", "password": "short", "nickname": "Ada"}
    error = error_of(client.post("/users", json=body), 422, "validation_failed")
    assert error["fields"] == {
        "email": ["Not a valid email address."],
        "name": ["Must not be empty."],
        "nickname": ["Unknown field."],
        "password": ["Must be at least 8 characters."],
    }
    assert error["message"] == "Invalid fields: email, name, nickname, password."


def test_create_user_requires_every_field(client):
    error = error_of(client.post("/users", json={}), 422, "validation_failed")
    assert set(error["fields"]) == {"email", "name", "password"}
    assert error["fields"]["email"] == ["Missing data for required field."]


def test_create_user_checks_types_strictly(client):
    body = {**NEW_USER, "name": ["Ada"], "password": 12345678}
    error = error_of(client.post("/users", json=body), 422, "validation_failed")
    assert error["fields"] == {"name": ["Must be a string."], "password": ["Must be a string."]}


# GET /users


def test_list_users_paginates_with_metadata(client, auth_headers):
    UserFactory.create_batch(4)  # users 2..5, after the caller

    response = client.get("/users?page=2&per_page=2", headers=auth_headers)

    assert response.status_code == 200
    body = response.get_json()
    assert [user["id"] for user in body["items"]] == [3, 4]
    assert body["meta"] == {"page": 2, "per_page": 2, "total": 5, "pages": 3}


def test_list_users_defaults_to_twenty_per_page(client, auth_headers):
    body = client.get("/users", headers=auth_headers).get_json()
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 1, "pages": 1}
    assert body["items"][0]["email"] == "user1@example.com"


def test_a_page_past_the_end_is_empty(client, auth_headers):
    body = client.get("/users?page=9", headers=auth_headers).get_json()
    assert body["items"] == []
    assert body["meta"]["page"] == 9


def test_pagination_bounds_are_422(client, auth_headers):
    response = client.get("/users?page=0&per_page=101", headers=auth_headers)
    assert invalid_fields(response) == {
        "page": ["Must be at least 1."],
        "per_page": ["Must be at most 100."],
    }


def test_non_numeric_pagination_is_422(client, auth_headers):
    response = client.get("/users?per_page=ten", headers=auth_headers)
    assert invalid_fields(response) == {"per_page": ["Must be a whole number."]}


def test_list_users_needs_a_token(client):
    error_of(client.get("/users"), 401, "token_missing")


# GET /users/{id}


def test_get_user(client, user, auth_headers):
    body = client.get("/users/1", headers=auth_headers).get_json()
    assert body["id"] == 1
    assert body["email"] == user.email
    assert body["role"] == "member"
    assert "password_hash" not in body


def test_get_unknown_user_is_404(client, auth_headers):
    error = error_of(client.get("/users/99", headers=auth_headers), 404, "not_found")
    assert error["message"] == "User 99 was not found."


def test_non_numeric_user_id_is_404(client, auth_headers):
    error_of(client.get("/users/abc", headers=auth_headers), 404, "not_found")


# PATCH /users/{id}


def test_update_own_name_and_email(client, user, auth_headers):
    body = {"name": "Ada King", "email": "ADA@example.com"}
    response = client.patch("/users/1", json=body, headers=auth_headers)

    assert response.status_code == 200
    assert response.get_json()["name"] == "Ada King"
    assert response.get_json()["email"] == "ada@example.com"


def test_update_own_password_changes_the_login(client, user, auth_headers):
    client.patch("/users/1", json={"password": "a-new-password"}, headers=auth_headers)
    login = {"email": user.email, "password": "a-new-password"}
    assert client.post("/auth/login", json=login).status_code == 200


def test_update_keeping_ones_own_email_is_not_a_conflict(client, user, auth_headers):
    response = client.patch("/users/1", json={"email": user.email}, headers=auth_headers)
    assert response.status_code == 200


def test_update_someone_else_is_403(client, user):
    other = UserFactory()
    response = client.patch("/users/1", json={"name": "Not Ada"}, headers=bearer(other))
    error = error_of(response, 403, "forbidden")
    assert error["message"] == "You may only update your own account."
    assert db.session.get(User, 1).name == user.name


def test_update_to_a_taken_email_is_409(client, auth_headers):
    UserFactory(email="grace@example.com")
    response = client.patch("/users/1", json={"email": "grace@example.com"}, headers=auth_headers)
    error_of(response, 409, "email_taken")


def test_update_validates_the_fields_sent(client, auth_headers):
    response = client.patch("/users/1", json={"name": 42, "role": "admin"}, headers=auth_headers)
    error = error_of(response, 422, "validation_failed")
    assert error["fields"] == {"name": ["Must be a string."], "role": ["Unknown field."]}


def test_update_unknown_user_is_404(client, auth_headers):
    error_of(client.patch("/users/7", json={}, headers=auth_headers), 404, "not_found")


def test_update_needs_a_token(client, user):
    error_of(client.patch("/users/1", json={"name": "x"}), 401, "token_missing")
