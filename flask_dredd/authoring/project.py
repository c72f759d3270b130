"""Where a project keeps its contract: blueprint, hook files and factories.

The authoring commands read the same `dredd.yml` a run uses, so they look at exactly
the blueprint and hook files Dredd will.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from dredd_hooks_handler import handler, hooks

from flask_dredd.errors import FlaskDreddError, PreflightError
from flask_dredd.run.dredd_config import DreddDefaults, load_dredd_config
from flask_dredd.sources import read_python


class ProjectError(FlaskDreddError, RuntimeError):
    """The project's settings are missing or unreadable; the message says what to do."""


@dataclass(frozen=True)
class Project:
    root: Path
    blueprint: Path
    hookfiles: tuple[str, ...]  # glob patterns relative to root, as dredd.yml has them
    factories: str = "factories"  # the importable package of factory-boy factories

    @classmethod
    def load(
        cls,
        root: Path,
        dredd_config: Path = Path("dredd.yml"),
        blueprint: Path | None = None,
        factories: str = "factories",
        dredd_defaults: DreddDefaults = (None, None),
    ) -> Project:
        try:  # the same checks, and messages, as a run's
            settings = load_dredd_config(root, dredd_config, *dredd_defaults)
        except PreflightError as exc:
            raise ProjectError(str(exc)) from None
        blueprint = blueprint or Path(settings.get("blueprint") or "")
        if not str(blueprint) or str(blueprint) == ".":
            raise ProjectError(f"{dredd_config} names no blueprint; add `blueprint: apiary.apib`")
        patterns = settings.get("hookfiles") or []
        patterns = [patterns] if isinstance(patterns, str) else [str(p) for p in patterns]
        return cls(
            root=root,
            blueprint=blueprint if blueprint.is_absolute() else root / blueprint,
            hookfiles=tuple(patterns),
            factories=factories,
        )

    @property
    def node_modules(self) -> Path:
        return self.root / "node_modules"

    @property
    def hook_folder(self) -> Path:
        """Where new hook modules go: the folder of the first hook file pattern."""
        if not self.hookfiles:
            return self.root / "hooks"
        pattern = Path(self.hookfiles[0])
        while any(char in str(pattern) for char in "*?["):
            pattern = pattern.parent
        return self.root / pattern if pattern.suffix != ".py" else self.root / pattern.parent

    def hook_paths(self) -> list[Path]:
        """The hook files, in the order the handler loads them."""
        if not self.hookfiles:
            return []
        return handler.expand(str(self.root / pattern) for pattern in self.hookfiles)

    def load_hooks(self) -> hooks.Registry:
        """Load the hook files, with the handler's loader, into a registry of their own.

        The global registry is swapped for a fresh one while the files load, so hooks
        loaded before (by another command in this process) neither show up nor vanish.
        Raises `handler.HookFileError` when a file fails to load.
        """
        paths = [str(path) for path in self.hook_paths()]
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))  # hook files import factories, the app, …
        for path in paths:  # one that does not decode: its byte offset, not a SyntaxError
            read_python(Path(path))
        previous, hooks.registry = hooks.registry, hooks.Registry()
        try:
            handler.load_hook_files(paths)
            return hooks.registry
        finally:
            hooks.registry = previous
