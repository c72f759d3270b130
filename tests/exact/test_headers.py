"""The header rules on their own, with real headers as Dredd hands them over (Set-Cookie a list)."""

from __future__ import annotations

import pytest

from flask_dredd import matchers
from flask_dredd.exact.headers import compare_headers

SESSION = "session=3q2-7wXQ8iM0m1sF6b3k9yZr4cJ5nV0aL2pD8eT6uHc; HttpOnly; Path=/; SameSite=Lax"
VOLATILE_SESSION = [("set-cookie", matchers.token(43), "session")]


def cookie(value: str = "A" * 43, attributes: str = "HttpOnly; Path=/; SameSite=Lax") -> str:
    return f"session={value}; {attributes}" if attributes else f"session={value}"


@pytest.mark.parametrize(
    ("documented", "real", "differences"),
    [
        ("/events/1", "/events/1", []),
        ("/events/1", "http://127.0.0.1:5123/events/1", []),
        ("http://api.example.com/events/1", "/events/1", []),
        ("/events/1", "/events/2", ["header Location: documented /events/1, got /events/2"]),
        ("/events?page=2", "/events?page=3",
         ["header Location: documented /events?page=2, got /events?page=3"]),
    ],
)  # fmt: skip
def test_location_is_a_url_path(documented: str, real: str, differences: list[str]):
    assert compare_headers({"Location": documented}, {"location": real}) == differences


def test_content_type_exactly_type_and_parameters():
    json = {"Content-Type": "application/json"}
    assert compare_headers(json, {"content-type": "application/json"}) == []
    assert compare_headers(json, {"content-type": "Application/JSON"}) == []
    assert compare_headers(json, {"content-type": "application/json; charset=utf-8"}) == [
        "header Content-Type: documented application/json, got application/json; charset=utf-8"
    ]
    text = {"Content-Type": "text/csv; charset=utf-8; header=present"}
    assert compare_headers(text, {"content-type": 'text/csv;header="present"; charset=UTF-8'}) == []


def test_www_authenticate_by_scheme():
    documented = {"WWW-Authenticate": "Bearer"}
    assert compare_headers(documented, {"www-authenticate": 'Bearer realm="api", error="x"'}) == []
    assert compare_headers(documented, {"www-authenticate": 'Basic realm="api"'}) == [
        "header WWW-Authenticate: documented scheme Bearer, got Basic"
    ]


def test_vary_and_cache_control_are_sets():
    documented = {"Vary": "Cookie, Accept", "Cache-Control": "no-store, max-age=0"}
    assert (
        compare_headers(
            documented, {"vary": "accept, cookie", "cache-control": "max-age=0, no-store"}
        )
        == []
    )
    assert compare_headers(documented, {"vary": "Accept", "cache-control": "no-store"}) == [
        "header Vary: documented Cookie, Accept, got Accept",
        "header Cache-Control: documented no-store, max-age=0, got no-store",
    ]


def test_other_headers_exactly_volatile_ones_by_matcher_missing_ones_named():
    documented = {"X-Request-Source": "contract", "ETag": '"abc"', "Link": "</a>; rel=next"}
    real = {"x-request-source": "live", "etag": '"zzz"'}
    assert compare_headers(documented, real, [("etag", matchers.ANY, None)]) == [
        "header X-Request-Source: documented contract, got live",
        "header Link: documented </a>; rel=next, got none",
    ]
    uuid = [("x-request-id", matchers.UUID, None)]
    assert compare_headers({"X-Request-Id": matchers.UUID.placeholder},
                           {"x-request-id": "nope"}, uuid) == [
        "header X-Request-Id: documented a UUID, got nope"
    ]  # fmt: skip


def test_set_cookie_attribute_by_attribute():
    documented = {"Set-Cookie": SESSION}
    assert compare_headers(documented, {"set-cookie": [cookie()]}, VOLATILE_SESSION) == []
    drifted = cookie(attributes="Path=/api; SameSite=None; Secure; Max-Age=3600")
    assert compare_headers(
        documented, {"set-cookie": ["csrf_token=x; Path=/", drifted]}, VOLATILE_SESSION
    ) == [
        "header Set-Cookie session: documented HttpOnly, got none",
        "header Set-Cookie session: documented no Secure, got Secure",
        "header Set-Cookie session: documented SameSite=Lax, got SameSite=None",
        "header Set-Cookie session: documented Path=/, got Path=/api",
        "header Set-Cookie session: documented no Max-Age, got Max-Age=3600",
    ]


def test_set_cookie_value_exact_unless_volatile_and_a_cleared_cookie_stays_cleared():
    documented = {"Set-Cookie": SESSION}
    assert compare_headers(documented, {"set-cookie": [cookie()]}) == [
        "header Set-Cookie session: documented value "
        f"3q2-7wXQ8iM0m1sF6b3k9yZr4cJ5nV0aL2pD8eT6uHc, got {'A' * 43}"
    ]
    assert compare_headers(documented, {"set-cookie": [cookie("short")]}, VOLATILE_SESSION) == [
        "header Set-Cookie session: documented a token(43) value, got short"
    ]
    cleared = {"Set-Cookie": "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; "
                             "HttpOnly; Path=/; SameSite=Lax"}  # fmt: skip
    reordered = "session=; HttpOnly; Path=/; SameSite=lax; Max-Age=0; Expires=Thu, 01 Jan 1970"
    assert compare_headers(cleared, {"set-cookie": [reordered]}, VOLATILE_SESSION) == []
    assert compare_headers(cleared, {"set-cookie": [cookie()]}, VOLATILE_SESSION) == [
        "header Set-Cookie session: documented Max-Age, got none",
        "header Set-Cookie session: documented Expires, got none",
        f"header Set-Cookie session: documented value (empty), got {'A' * 43}",
    ]


def test_set_cookie_missing_cookie_is_named():
    assert compare_headers({"Set-Cookie": SESSION}, {"set-cookie": ["csrf_token=x"]}) == [
        "header Set-Cookie session: documented, got no such cookie (got csrf_token)"
    ]
    assert compare_headers({"Set-Cookie": SESSION}, {}) == [
        "header Set-Cookie session: documented, got no such cookie (got no Set-Cookie)"
    ]
