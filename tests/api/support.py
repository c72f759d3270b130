"""Helpers the API tests share."""

from sqlalchemy import func, select

from eventapi.auth.tokens import issue_token
from eventapi.extensions import db
from eventapi.models import User
from factories import DEFAULT_PASSWORD


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)}"}


def error_of(response, status: int, code: str) -> dict:
    """The error object of a JSON error response, after checking its status and code."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert error["message"]
    return error


def invalid_fields(response) -> dict[str, list[str]]:
    """The per-field problems of a 422 response."""
    return error_of(response, 422, "validation_failed")["fields"]


def login_csrf(client) -> dict[str, str]:
    """What a login page does first: fetch the login CSRF token (its cookie stays in the
    client's jar); the header that echoes it."""
    response = client.get("/auth/csrf")
    assert response.status_code == 200, response.get_data(as_text=True)
    return csrf(response.get_json()["csrf_token"])


def browser_login(client, user: User, password: str = DEFAULT_PASSWORD) -> str:
    """Log `client` in as a browser does (the cookies stay in its jar); the CSRF token."""
    response = client.post(
        "/auth/session",
        json={"email": user.email, "password": password},
        headers=login_csrf(client),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["csrf_token"]


def csrf(token: str) -> dict[str, str]:
    return {"X-CSRFToken": token}


def row_counts() -> dict[str, int]:
    """Rows in every table: what a refused request must leave as it was."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def set_cookies(response) -> dict[str, str]:
    """The response's Set-Cookie headers by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def cookie_attributes(header: str) -> set[str]:
    """The attributes of one Set-Cookie header, lower-cased: {"httponly", "samesite=lax", …}."""
    return {part.strip().lower() for part in header.split(";")[1:]}
