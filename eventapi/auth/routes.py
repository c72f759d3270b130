from flask import current_app, request, session
from sqlalchemy import select

from eventapi.auth import bp
from eventapi.auth.guard import require_session
from eventapi.auth.login_csrf import (
    check_login_csrf,
    login_token,
    set_login_token_cookie,
    set_presession_cookie,
)
from eventapi.auth.passwords import password_matches
from eventapi.auth.sessions import lifetime, purge_expired, start_session
from eventapi.auth.tokens import issue_token
from eventapi.errors import ApiError, unauthorized
from eventapi.extensions import csrf, db
from eventapi.models import LoginSession, User
from eventapi.timestamps import isoformat, utcnow
from eventapi.validation import Field, email, json_body, load, text

LOGIN_SCHEMA = {
    "email": Field(email),
    "password": Field(text(max_length=128, strip=False)),
}


def check_credentials(data) -> User:
    credentials = load(LOGIN_SCHEMA, data)
    user = db.session.scalar(select(User).filter_by(email=credentials["email"]))
    # One message for an unknown email and a wrong password: don't reveal which emails exist.
    if user is None or not password_matches(user.password_hash, credentials["password"]):
        raise unauthorized("invalid_credentials", "The email or password is wrong.")
    return user


def json_or_form_body() -> dict:
    """A browser logs in with a form post; a script with JSON. Anything else is a 415."""
    if request.mimetype == "application/x-www-form-urlencoded":
        return request.form.to_dict()
    if request.is_json:
        return json_body()
    raise ApiError(
        415,
        "unsupported_media_type",
        "Send the credentials as JSON or as a form (application/x-www-form-urlencoded).",
    )


def session_json(row: LoginSession) -> dict:
    remaining = (row.expires_at - utcnow()).total_seconds()
    return {
        "user_id": row.user_id,
        "created_at": isoformat(row.created_at),
        "expires_at": isoformat(row.expires_at),
        "expires_in": max(0, int(remaining)),
        "csrf_token": row.csrf_token,
    }


@bp.post("/login")
def login():
    user = check_credentials(json_body())
    return {
        "access_token": issue_token(user),
        "token_type": "Bearer",
        "expires_in": current_app.config["JWT_TTL_SECONDS"],
    }


@bp.get("/csrf")
def login_csrf_token():
    """The token a browser's login must echo (login CSRF), in the csrf_token cookie."""
    token, presession = login_token()
    response = current_app.json.response({"csrf_token": token})
    response.headers.add("Vary", "Cookie")
    if presession is not None:
        set_presession_cookie(response, presession)
    set_login_token_cookie(response, token)
    return response


@bp.post("/session")
@csrf.set_cookie
def open_session():
    """Browser login: a server-side session, its cookie, and its CSRF token (cookie + body).

    The login itself must echo the csrf_token cookie (see `eventapi.auth.login_csrf`).
    """
    credentials = json_or_form_body()
    check_login_csrf(credentials)
    user = check_credentials(credentials)
    purge_expired()
    if session.live:  # logging in again replaces the session this browser had
        session.end()
    row, key = start_session(user)
    session.begin(row, key)
    csrf.generate_new_token()  # SeaSurf's token becomes the row's (session["csrf_token"])
    db.session.commit()
    return session_json(row), 201


@bp.get("/session")
@csrf.set_cookie
def show_session():
    require_session()
    return session_json(session.row)


@bp.post("/ping")
@csrf.set_cookie
def ping():
    """Keep the session alive: it now expires a full lifetime from now."""
    require_session()
    session.row.expires_at = utcnow() + lifetime()
    db.session.commit()
    return session_json(session.row)


@bp.post("/logout")
def logout():
    require_session()
    session.end()
    db.session.commit()
    response = current_app.response_class(status=204)
    config = current_app.config
    response.delete_cookie(
        config["CSRF_COOKIE_NAME"],
        secure=config["CSRF_COOKIE_SECURE"],
        httponly=config["CSRF_COOKIE_HTTPONLY"],
        samesite=config["CSRF_COOKIE_SAMESITE"],
    )
    return response
