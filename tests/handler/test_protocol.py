"""Dredd's hooks protocol, spoken to a real handler process over real TCP."""

from __future__ import annotations

import json

import pytest

EVENTS = ["beforeAll", "beforeEach", "beforeEachValidation", "afterEach", "afterAll"]

ORDER_HOOKS = """
import dredd_hooks as hooks

def record(label):
    def hook(data):
        target = data[0] if isinstance(data, list) else data
        target.setdefault("order", []).append(label)
    return hook

for kind in ("before_all", "before_each", "before_each_validation", "after_each", "after_all"):
    getattr(hooks, kind)(record(kind))
for kind in ("before", "before_validation", "after"):
    getattr(hooks, kind)("Notes > List")(record(kind + "(Notes > List)"))
    getattr(hooks, kind)("Notes > List")(record(kind + "(Notes > List) again"))
    getattr(hooks, kind)("Other > Name")(record(kind + "(Other > Name)"))
"""


@pytest.mark.parametrize("event", EVENTS)
def test_without_hooks_the_reply_is_the_message_byte_for_byte(start_handler, event):
    handler = start_handler()
    client = handler.client()
    raw = json.dumps({"event": event, "uuid": "1234-abcd", "data": {"key": "välue"}}).encode()
    client.send_raw(raw)
    client.send_raw(b"\n")
    assert client.reader.readline() == raw + b"\n"


def test_hooks_run_in_dredds_order_for_each_event(start_handler, write_hooks):
    handler = start_handler(write_hooks("order.py", ORDER_HOOKS))
    client = handler.client()
    transaction = {"name": "Notes > List"}

    transactions = client.exchange("beforeAll", [transaction, {"name": "Other > Name"}])
    assert transactions[0]["order"] == ["before_all"]
    assert "order" not in transactions[1]

    transaction = client.exchange("beforeEach", {"name": "Notes > List"})
    assert transaction["order"] == [
        "before_each",
        "before(Notes > List)",
        "before(Notes > List) again",
    ]
    transaction = client.exchange("beforeEachValidation", transaction)
    assert transaction["order"][3:] == [
        "before_each_validation",
        "before_validation(Notes > List)",
        "before_validation(Notes > List) again",
    ]
    transaction = client.exchange("afterEach", transaction)
    assert transaction["order"][6:] == [
        "after(Notes > List)",
        "after(Notes > List) again",
        "after_each",
    ]
    assert client.exchange("afterAll", [{}])[0]["order"] == ["after_all"]


def test_named_hooks_run_only_for_their_transaction(start_handler, write_hooks):
    client = start_handler(write_hooks("order.py", ORDER_HOOKS)).client()
    assert client.exchange("beforeEach", {"name": "Unhooked"})["order"] == ["before_each"]
    assert client.exchange("beforeEach", {"name": "Other > Name"})["order"] == [
        "before_each",
        "before(Other > Name)",
    ]


def test_hooks_modify_the_transaction_dredd_gets_back(start_handler, write_hooks):
    hook_file = write_hooks(
        "modify.py",
        """
        import dredd_hooks as hooks

        @hooks.before("Users > Create")
        def authenticate(transaction):
            transaction["request"]["headers"]["Authorization"] = "Bearer tøken"
            transaction["request"]["body"] = '{"name": "Zoë"}'
            del transaction["expected"]["headers"]["X-Debug"]

        @hooks.before("Users > Delete")
        def skip(transaction):
            transaction["skip"] = True
        """,
    )
    client = start_handler(hook_file).client()
    sent = {
        "name": "Users > Create",
        "request": {"headers": {"Accept": "application/json"}, "body": ""},
        "expected": {"headers": {"X-Debug": "1", "Content-Type": "application/json"}},
    }
    got = client.exchange("beforeEach", sent)
    assert got["request"]["headers"] == {
        "Accept": "application/json",
        "Authorization": "Bearer tøken",
    }
    assert got["request"]["body"] == '{"name": "Zoë"}'
    assert got["expected"]["headers"] == {"Content-Type": "application/json"}
    assert client.exchange("beforeEach", {"name": "Users > Delete"})["skip"] is True


def test_all_hooks_receive_the_whole_list(start_handler, write_hooks):
    hook_file = write_hooks(
        "all.py",
        """
        import dredd_hooks as hooks

        @hooks.before_all
        def skip_deletes(transactions):
            for transaction in transactions:
                if transaction["name"].endswith("DELETE"):
                    transaction["skip"] = True
            transactions[0]["count"] = len(transactions)
        """,
    )
    client = start_handler(hook_file).client()
    names = ["A > GET", "A > DELETE", "B > GET"]
    got = client.exchange("beforeAll", [{"name": n} for n in names])
    assert [t["name"] for t in got] == names
    assert [t.get("skip", False) for t in got] == [False, True, False]
    assert got[0]["count"] == 3


def test_framing_any_split_and_several_messages_in_one_write(start_handler):
    client = start_handler().client()
    one = json.dumps({"event": "beforeEach", "uuid": "u1", "data": {"name": "x" * 50_000}})
    two = json.dumps({"event": "afterEach", "uuid": "u2", "data": {}})
    three = json.dumps({"event": "afterEach", "uuid": "u3", "data": {"ü": "ß"}})
    stream = (one + "\n" + two + "\n" + three + "\n").encode()
    for start in range(0, len(stream), 7_001):  # odd chunks, splitting lines and a é
        client.send_raw(stream[start : start + 7_001])
    assert [client.receive()["uuid"] for _ in range(3)] == ["u1", "u2", "u3"]


def test_hooks_share_one_thread_and_one_context(start_handler, write_hooks):
    hook_file = write_hooks(
        "context.py",
        """
        import contextvars, threading
        import dredd_hooks as hooks

        current_app = contextvars.ContextVar("current_app", default=None)

        @hooks.before_all
        def push(transactions):
            current_app.set("app")  # what app_context().push() does, in a ContextVar

        @hooks.before_each
        def read(transaction):
            transaction["app"] = current_app.get()
            transaction["main_thread"] = threading.current_thread() is threading.main_thread()
        """,
    )
    client = start_handler(hook_file).client()
    client.exchange("beforeAll", [])
    for _ in range(2):
        assert client.exchange("beforeEach", {"name": "A"}) | {"name": "A"} == {
            "name": "A",
            "app": "app",
            "main_thread": True,
        }


def test_hook_output_is_flushed_with_each_reply(start_handler, write_hooks):
    hook_file = write_hooks(
        "prints.py",
        """
        import dredd_hooks as hooks

        @hooks.before_each
        def say(transaction):
            print("before each hook handled", transaction["name"])
        """,
    )
    handler = start_handler(hook_file)
    handler.client().exchange("beforeEach", {"name": "T1"})
    assert handler.read_line(timeout=10) == "before each hook handled T1\n"


def test_a_client_may_reconnect(start_handler):
    handler = start_handler()
    first = handler.client()
    first.exchange("beforeEach", {})
    first.close()
    assert handler.client().exchange("afterEach", {"a": 1}) == {"a": 1}


@pytest.mark.parametrize("variable", ["DREDD_HOOKS_HANDLER_PORT", "FLASK_DREDD_HOOKS_PORT"])
def test_the_port_can_come_from_the_environment(start_handler, variable):
    handler = start_handler(port_from_env=variable)
    assert handler.stdout_lines[0].endswith(f":{handler.port}\n")
    assert handler.client().exchange("beforeEach", {}) == {}


def test_the_handlers_own_port_variable_wins_over_flask_dredds(start_handler):
    # The alias names a port nobody listens on: the handler must not take it.
    handler = start_handler(port_from_env=True, FLASK_DREDD_HOOKS_PORT="1")
    assert handler.stdout_lines[0].endswith(f":{handler.port}\n")
