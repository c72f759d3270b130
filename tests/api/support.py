"""Helpers the API tests share."""

from eventapi.auth.tokens import issue_token
from eventapi.models import User


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
