from datetime import timedelta

import jwt
import pytest

from eventapi.auth.tokens import issue_token
from factories import DEFAULT_PASSWORD, UserFactory

from .support import error_of


def login(client, **body):
    return client.post("/auth/login", json=body)


def test_login_returns_a_bearer_token_for_the_user(client, app, user):
    response = login(client, email="user1@example.com", password=DEFAULT_PASSWORD)

    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == app.config["JWT_TTL_SECONDS"]
    claims = jwt.decode(body["access_token"], app.config["SECRET_KEY"], algorithms=["HS256"])
    assert claims["sub"] == str(user.id)
    assert claims["exp"] - claims["iat"] == app.config["JWT_TTL_SECONDS"]


def test_login_email_is_case_insensitive(client, user):
    response = login(client, email="USER1@Example.com", password=DEFAULT_PASSWORD)
    assert response.status_code == 200


def test_the_token_works_on_protected_routes(client, user):
    token = login(client, email=user.email, password=DEFAULT_PASSWORD).get_json()["access_token"]
    response = client.get(f"/users/{user.id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("user1@example.com", "wrong-password"), ("nobody@example.com", DEFAULT_PASSWORD)],
    ids=["wrong password", "unknown email"],
)
def test_bad_credentials_get_one_401_that_reveals_nothing(client, user, email, password):
    error = error_of(login(client, email=email, password=password), 401, "invalid_credentials")
    assert error["message"] == "The email or password is wrong."


def test_login_validates_its_fields(client):
    error = error_of(login(client, email="not-an-email", password=7), 422, "validation_failed")
    assert error["fields"] == {
        "email": ["Not a valid email address."],
        "password": ["Must be a string."],
    }


def test_missing_token_gets_401_with_www_authenticate(client):
    response = client.get("/users")
    error = error_of(response, 401, "token_missing")
    assert "Authorization: Bearer" in error["message"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Bearer ", "Basic dXNlcjpwYXNz", "bearer"],
)
def test_malformed_authorization_gets_401(client, user, authorization):
    response = client.get("/users", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] in {"token_missing", "token_invalid"}


def test_expired_token_gets_401_token_expired(client, user):
    token = issue_token(user, ttl=timedelta(seconds=-1))
    response = client.get("/users", headers={"Authorization": f"Bearer {token}"})
    error_of(response, 401, "token_expired")


def test_token_signed_with_another_key_is_refused(client, user):
    claims = {"sub": str(user.id), "exp": 4102444800}
    token = jwt.encode(claims, "another-key-of-at-least-32-bytes!!")
    response = client.get("/users", headers={"Authorization": f"Bearer {token}"})
    error_of(response, 401, "token_invalid")


def test_token_of_a_deleted_user_is_refused(client, app):
    from eventapi.extensions import db

    ghost = UserFactory()
    token = issue_token(ghost)
    db.session.delete(ghost)
    db.session.commit()
    response = client.get("/users", headers={"Authorization": f"Bearer {token}"})
    error = error_of(response, 401, "token_invalid")
    assert error["message"] == "The token's user no longer exists."
