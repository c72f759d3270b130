"""Loading hook files: globs expanded in Dredd's order, each file run once as a module.

`dredd_hooks` is aliased to `dredd_hooks_handler.hooks` first, so hook files written
for dredd-hooks-python (`import dredd_hooks as hooks`) register into our registry, even
where dredd_hooks 0.2.0 is installed too.
"""

from __future__ import annotations

import glob
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Dict, Iterable, List

from dredd_hooks_handler import hooks
from dredd_hooks_handler.failures import describe_exception, raise_site, short_path

#: Names a hook file must not be loaded under. `sys.stdlib_module_names` is 3.10+; before
#: that the built-in modules are the ones a path search would not find first anyway.
RESERVED_NAMES = frozenset(getattr(sys, "stdlib_module_names", sys.builtin_module_names))


class HookFileError(Exception):
    """A hook file pattern matched nothing, or a hook file raised while loading."""


class Stop(BaseException):
    """SIGTERM or SIGINT arrived: unwinds out of select(), a hook or a hook file's load."""


def expand(patterns: Iterable[str]) -> List[Path]:
    """Hook file paths: each pattern's matches sorted by path, in pattern order, once each.

    Dredd 14.1.0 itself passes `hookfiles` resolved and sorted by basename, one argument
    per file; keeping the argument order keeps its order, as dredd-hooks-python does.
    """
    paths: Dict[Path, None] = {}
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
        else:
            matches = [pattern] if os.path.exists(pattern) else []
        if not matches:
            raise HookFileError(f"no hook file matches {pattern!r} (in {os.getcwd()})")
        for match in matches:
            path = Path(match).resolve()
            if path.is_dir():
                raise HookFileError(f"{match} is a folder; pass its files, e.g. '{match}/*.py'")
            paths.setdefault(path, None)
    return list(paths)


def module_name(path: Path, index: int) -> str:
    """The name to load a hook file under.

    Its stem when `import <stem>` would find this very file (its folder is on sys.path),
    so another hook file's `from setup import app` gets the loaded module rather than a
    second copy with its own globals; otherwise a unique name.
    """
    stem = path.stem
    if stem.isidentifier() and stem not in sys.modules and stem not in RESERVED_NAMES:
        spec = importlib.machinery.PathFinder.find_spec(stem)
        if spec is not None and spec.origin and Path(spec.origin).resolve() == path:
            return stem
    safe = "".join(c if c.isalnum() else "_" for c in stem)
    return f"_dredd_hookfile_{index}_{safe}"


def load_hook_file(path: Path, index: int) -> ModuleType:
    """Execute one hook file as a module; its decorators fill `hooks.registry`."""
    for folder in (str(path.parent), os.getcwd()):
        if folder not in sys.path:
            sys.path.append(folder)
    name = module_name(path, index)
    # SourceFileLoader, not spec_from_file_location: any file name works, as in 0.2.0.
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, (KeyboardInterrupt, Stop)):
            raise
        raise HookFileError(load_failure(path, exc)) from exc
    return module


def load_failure(path: Path, exc: BaseException) -> str:
    """`cannot load hook file hooks/x.py, line 3: NameError: …`, hinting at installs."""
    line = 0
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).resolve() == path:
        line = exc.lineno or 0
    if not line:
        _, line, _, _ = raise_site(exc, [str(path)])
    message = f"cannot load hook file {short_path(str(path))}, line {line}: "
    message += describe_exception(exc)
    if isinstance(exc, ModuleNotFoundError):
        message += f" (is it installed for {sys.executable}?)"
    return message


def load_hook_files(patterns: Iterable[str]) -> List[Path]:
    """Alias `dredd_hooks` to our hooks module, then load every hook file in order."""
    # Even over an installed dredd_hooks 0.2.0: its decorators would register nowhere.
    sys.modules["dredd_hooks"] = hooks
    paths = expand(patterns)
    for index, path in enumerate(paths):
        load_hook_file(path, index)
    return paths
