"""Loading hook files: globs, order, sys.path, the dredd_hooks alias, load errors."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from flask_dredd import handler, hooks

RECORD = """
import dredd_hooks as hooks

@hooks.before_each
def {name}(transaction):
    transaction.setdefault("ran", []).append({name!r})
"""


def ran(registry: hooks.Registry) -> list[str]:
    transaction: dict = {}
    for hook in registry.unnamed("before_each"):
        hook.func(transaction)
    return transaction.get("ran", [])


def test_globs_expand_sorted_by_path_keeping_the_argument_order(
    fresh_registry, write_hooks, tmp_path
):
    for name in ("b", "a", "c"):
        write_hooks(f"hooks/{name}.py", RECORD.format(name=name))
    write_hooks("first.py", RECORD.format(name="first"))

    paths = handler.load_hook_files(
        [str(tmp_path / "first.py"), str(tmp_path / "hooks/*.py"), str(tmp_path / "hooks/a.py")]
    )

    assert [p.name for p in paths] == ["first.py", "a.py", "b.py", "c.py"]  # a.py once
    assert ran(fresh_registry) == ["first", "a", "b", "c"]


def test_import_dredd_hooks_registers_with_us_even_with_dredd_hooks_installed(
    fresh_registry, write_hooks
):
    assert importlib.util.find_spec("dredd_hooks") is not None, "dredd_hooks 0.2.0 installed"
    handler.load_hook_files([str(write_hooks("h.py", RECORD.format(name="h")))])
    assert sys.modules["dredd_hooks"] is hooks
    assert ran(fresh_registry) == ["h"]


def test_a_hook_file_imports_modules_beside_it_and_from_the_working_directory(
    fresh_registry, write_hooks, tmp_path, monkeypatch
):
    write_hooks("hooks/helper_beside.py", "VALUE = 'beside'\n")
    (tmp_path / "cwd").mkdir()
    write_hooks("cwd/helper_in_cwd.py", "VALUE = 'cwd'\n")
    hook_file = write_hooks(
        "hooks/h.py",
        """
        import dredd_hooks as hooks
        import helper_beside, helper_in_cwd

        @hooks.before_all
        def record(transactions):
            transactions.append(helper_beside.VALUE + "," + helper_in_cwd.VALUE)
        """,
    )
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", os.getcwd())])

    handler.load_hook_files([str(hook_file)])

    transactions: list = []
    fresh_registry.unnamed("before_all")[0].func(transactions)
    assert transactions == ["beside,cwd"]


def test_a_hook_file_imported_by_another_is_one_module_with_its_hooks_once(
    fresh_registry, write_hooks, tmp_path
):
    write_hooks(
        "hooks/a_setup.py",
        """
        import dredd_hooks as hooks
        state = {"app": None}

        @hooks.before_all
        def boot(transactions):
            state["app"] = "booted"
        """,
    )
    write_hooks(
        "hooks/b_users.py",
        """
        import dredd_hooks as hooks
        from a_setup import state

        @hooks.before_each
        def use(transaction):
            transaction["app"] = state["app"]
        """,
    )
    handler.load_hook_files([str(tmp_path / "hooks/*.py")])

    assert [h.function_name for h in fresh_registry] == ["boot", "use"]
    fresh_registry.unnamed("before_all")[0].func([])
    transaction: dict = {}
    fresh_registry.unnamed("before_each")[0].func(transaction)
    assert transaction == {"app": "booted"}  # the state before_all set, not a copy's


def test_a_hook_file_named_like_a_stdlib_module_does_not_shadow_it(fresh_registry, write_hooks):
    path = write_hooks("email.py", RECORD.format(name="email_hooks"))
    handler.load_hook_files([str(path)])
    assert ran(fresh_registry) == ["email_hooks"]
    assert not getattr(sys.modules["email"], "__file__", "").startswith(str(path.parent))


def test_any_file_name_loads(fresh_registry, write_hooks):
    handler.load_hook_files([str(write_hooks("hooks.txt", RECORD.format(name="txt")))])
    assert ran(fresh_registry) == ["txt"]


def test_a_pattern_matching_nothing_is_an_error(fresh_registry, tmp_path):
    with pytest.raises(handler.HookFileError, match=r"no hook file matches '.*nothing\*.py'"):
        handler.load_hook_files([str(tmp_path / "nothing*.py")])
    with pytest.raises(handler.HookFileError, match="no hook file matches"):
        handler.load_hook_files([str(tmp_path / "missing.py")])
    with pytest.raises(handler.HookFileError, match="is a folder"):
        handler.load_hook_files([str(tmp_path)])


@pytest.mark.parametrize(
    ("code", "line", "error"),
    [
        ("import dredd_hooks\n\nx = undefined_name\n", 3, "NameError: name 'undefined_name'"),
        ("x = 1\ndef broken(:\n", 2, "SyntaxError"),
        ("import json\nimport no_such_module_xyz\n", 2, "ModuleNotFoundError"),
    ],
)
def test_a_load_error_names_the_file_and_line(fresh_registry, write_hooks, code, line, error):
    path = write_hooks("bad_hooks.py", code)
    with pytest.raises(handler.HookFileError) as caught:
        handler.load_hook_files([str(path)])
    message = str(caught.value)
    assert (
        f"cannot load hook file {handler.short_path(str(path.resolve()))}, line {line}:" in message
    )
    assert error in message
    if "ModuleNotFound" in error:
        assert f"is it installed for {sys.executable}?" in message


def test_a_load_error_raised_in_an_imported_module_points_at_the_hook_file_line(
    fresh_registry, write_hooks
):
    write_hooks("broken_helper.py", "raise RuntimeError('helper broke')\n")
    path = write_hooks("uses_helper.py", "import dredd_hooks\n\nimport broken_helper\n")
    with pytest.raises(handler.HookFileError, match=r"uses_helper.py, line 3: RuntimeError"):
        handler.load_hook_files([str(path)])
