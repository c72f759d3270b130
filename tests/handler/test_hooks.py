"""The hook registry and the dredd-hooks-python decorators."""

from __future__ import annotations

import functools
import inspect
from pathlib import Path

import pytest

from flask_dredd import hooks


def test_each_decorator_registers_its_kind_and_returns_the_function(fresh_registry):
    def hook(transaction):
        pass

    decorators = {
        "before_all": hooks.before_all,
        "after_all": hooks.after_all,
        "before_each": hooks.before_each,
        "before_each_validation": hooks.before_each_validation,
        "after_each": hooks.after_each,
        "before": hooks.before("A > B"),
        "before_validation": hooks.before_validation("A > B"),
        "after": hooks.after("A > B"),
    }
    for decorator in decorators.values():
        assert decorator(hook) is hook  # unwrapped: tests can call hooks directly

    assert [h.kind for h in fresh_registry] == list(decorators)
    assert [h.name for h in fresh_registry] == [None] * 5 + ["A > B"] * 3
    for kind in hooks.UNNAMED_KINDS:
        assert [h.func for h in fresh_registry.unnamed(kind)] == [hook]
    for kind in hooks.NAMED_KINDS:
        assert [h.func for h in fresh_registry.named(kind, "A > B")] == [hook]
        assert fresh_registry.named(kind, "other") == []


def test_several_hooks_per_name_run_in_registration_order(fresh_registry):
    order = []

    @hooks.before("Notes > List")
    def zeta(transaction):
        order.append("zeta")

    @hooks.before("Notes > List")
    def alpha(transaction):
        order.append("alpha")

    for hook in fresh_registry.named("before", "Notes > List"):
        hook.func({})
    assert order == ["zeta", "alpha"]  # definition order, not by function name


def test_two_functions_with_the_same_name_both_register(fresh_registry):
    @hooks.before_each
    def reset(transaction):
        pass

    first = reset

    @hooks.before_each  # noqa: F811 (what the test is about)
    def reset(transaction):
        pass

    assert [h.func for h in fresh_registry.unnamed("before_each")] == [first, reset]


def test_a_hook_records_where_it_is_defined(fresh_registry):
    @hooks.after("Users > Create")
    def check_user(transaction):
        pass

    (hook,) = fresh_registry
    assert hook.file == __file__
    assert hook.line == inspect.getsourcelines(check_user)[1]  # the decorator's line
    assert hook.function_name.endswith("check_user")
    assert hook.describe() == f"after('Users > Create') hook {hook.function_name}"


def test_the_site_of_a_wrapped_hook_is_the_wrapped_function(fresh_registry):
    def inner(transaction):
        pass

    @functools.wraps(inner)
    def wrapper(transaction):
        return inner(transaction)

    hooks.before_each(wrapper)
    (hook,) = fresh_registry
    assert hook.line == inner.__code__.co_firstlineno


def test_a_hook_file_executed_twice_registers_its_hooks_once(fresh_registry, tmp_path):
    source = tmp_path / "setup_hooks.py"
    source.write_text("import flask_dredd.hooks as hooks\n\n@hooks.before('X')\ndef f(t): pass\n")
    code = compile(source.read_text(), str(source), "exec")
    exec(code, {"__name__": "setup_hooks"})  # loaded as a hook file
    exec(code, {"__name__": "hooks.setup_hooks"})  # imported again by another hook file
    assert len(fresh_registry) == 1


def test_a_factory_may_register_several_hooks_for_one_name(fresh_registry):
    def make(label):
        def hook(transaction):
            transaction.append(label)

        return hook

    hooks.before("X")(make("one"))
    hooks.before("X")(make("two"))
    ran: list[str] = []
    for hook in fresh_registry.named("before", "X"):
        hook.func(ran)
    assert ran == ["one", "two"]


def test_names_lists_every_transaction_name_with_a_hook(fresh_registry):
    hooks.before("A")(print)
    hooks.after("B")(print)
    hooks.before_validation("C")(print)
    hooks.before_each(print)
    assert fresh_registry.names() == {"A", "B", "C"}


def test_a_named_decorator_without_its_name_fails_at_definition(fresh_registry):
    with pytest.raises(TypeError, match=r"hooks.before needs the transaction name"):

        @hooks.before
        def load(transaction):
            pass

    with pytest.raises(TypeError, match="needs a transaction name"):
        fresh_registry.add("after", print, None)
    with pytest.raises(ValueError, match="unknown hook kind"):
        fresh_registry.add("before_everything", print)
    with pytest.raises(TypeError, match="decorates a function"):
        hooks.before_each("not a function")


def test_clear_forgets_everything(fresh_registry):
    hooks.before("A")(print)
    fresh_registry.clear()
    assert len(fresh_registry) == 0
    assert fresh_registry.names() == set()
    assert fresh_registry.named("before", "A") == []


def test_the_module_keeps_dredd_hooks_public_constants():
    assert (hooks.HOST, hooks.PORT, hooks.MESSAGE_DELIMITER) == ("127.0.0.1", 61321, "\n")


def test_the_bench_bridge_brings_helper_hooks_to_a_running_stock_handler(
    monkeypatch, fresh_registry
):
    """Under dredd-hooks-python 0.2.0 (make bench), helper-registered hooks must run."""
    import importlib.util
    import sys
    import types

    from flask_dredd import hooks as ours

    path = Path(__file__).resolve().parents[2] / "bench" / "stock_bridge" / "sitecustomize.py"
    spec = importlib.util.spec_from_file_location("_stock_bridge", path)
    assert spec is not None and spec.loader is not None
    monkeypatch.setattr(ours, "_register", ours._register)  # undone at teardown
    spec.loader.exec_module(importlib.util.module_from_spec(spec))  # installs the bridge

    class StockHooks:  # the shape of dredd_hooks.dredd.Hooks
        def __init__(self):
            self._before_each, self._before = [], {}

    stock_dredd = types.ModuleType("dredd_hooks.dredd")
    stock_dredd.hooks = StockHooks()
    monkeypatch.setitem(sys.modules, "dredd_hooks", types.ModuleType("dredd_hooks"))
    monkeypatch.setitem(sys.modules, "dredd_hooks.dredd", stock_dredd)

    def fixture(transaction):
        pass

    ours.before("Group > Resource > Action")(fixture)
    ours.before_each(fixture)
    assert len(fresh_registry) == 2
    assert stock_dredd.hooks._before == {"Group > Resource > Action": [fixture]}
    assert stock_dredd.hooks._before_each == [fixture]


def test_without_the_bridge_the_registry_registers_nowhere_else(monkeypatch, fresh_registry):
    import sys
    import types

    stock_dredd = types.ModuleType("dredd_hooks.dredd")
    stock_dredd.hooks = types.SimpleNamespace(_before_each=[])
    monkeypatch.setitem(sys.modules, "dredd_hooks", types.ModuleType("dredd_hooks"))
    monkeypatch.setitem(sys.modules, "dredd_hooks.dredd", stock_dredd)
    hooks.before_each(print)
    assert stock_dredd.hooks._before_each == []  # the distribution knows no stock handler
