"""The HTML report lists exact comparison's differences one by one, path and values marked."""

from __future__ import annotations

from flask_dredd.exact.transaction import parse_difference
from flask_dredd.reporting.events import TransactionResult
from flask_dredd.reporting.html import render
from flask_dredd.reporting.results import RunReport

DETAIL = """\
Message:
$.meta.total: documented 3, got 2
header Set-Cookie session: documented HttpOnly, got none
$.items[0].name: documented "a, got b", got "<b>"
… and 2 more differences
Request:
method: GET
uri: /events
Expected:
statusCode: 200
Actual:
statusCode: 200
"""


def test_differences_are_parsed_by_path_and_values():
    assert parse_difference("$.meta.total: documented 3, got 2") == (
        "$.meta.total", "documented 3, got 2", "3", "2",
    )  # fmt: skip
    assert parse_difference('$.a: documented "x, got y", got "z"')[2:] == ('"x, got y"', '"z"')
    assert parse_difference("$.debug: not documented, got true") == (
        "$.debug", "not documented, got true", None, None,
    )  # fmt: skip
    assert parse_difference("header Location: documented /a, got /b")[0] == "header Location"
    assert parse_difference("body line 2: documented \"a\", got \"b\"")[0] == "body line 2"
    assert parse_difference("statusCode: Expected status code '201', but got '200'.") is None
    assert parse_difference("… and 2 more differences") is None


def test_the_report_shows_each_difference_on_its_own_line():
    row = TransactionResult(
        "Events > Events > List", "GET (200) /events", "failed", 0.01, detail=DETAIL
    )
    page = render(RunReport([row], {"total": 1.0}, 1))
    assert (
        '<ul class="differences"><li><code>$.meta.total</code>: documented <b>3</b>, got <b>2</b>'
        "</li><li><code>header Set-Cookie session</code>: documented <b>HttpOnly</b>, got "
        "<b>none</b></li><li><code>$.items[0].name</code>: documented <b>&quot;a, got b&quot;"
        "</b>, got <b>&quot;&lt;b&gt;&quot;</b></li><li>… and 2 more differences</li></ul>"
    ) in page


def test_gavels_messages_stay_a_paragraph():
    detail = "Message:\nstatusCode: Expected status code '201', but got '200'.\nRequest:\n"
    row = TransactionResult("A > B > C", "POST (201) /x", "failed", 0.01, detail=detail)
    page = render(RunReport([row], {"total": 1.0}, 1))
    assert '<p class="message">statusCode: Expected status code &#x27;201&#x27;' in page
    assert '<ul class="differences">' not in page
