"""Dredd's hooks-handler conformance suite (npm `dredd-hooks-template`) for our handler.

The suite's feature files stand for every language: they carry `{{my-executable-path}}`
and `{{my-extension}}` placeholders, and each hook file as commented, Python-shaped
pseudo-code (`#import hooks`, `#@hooks.before(...)`), with `##` lines of instructions.
`dredd-hooks-template init` copies them for a human to fill in; `prepare_features`
does that filling mechanically, into a folder of our choice, so the suite runs
unchanged from node_modules and nothing is generated inside the repository.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

#: A step that writes a hook file; the docstring after it is the hook code.
HOOK_FILE_STEP = re.compile(r'a file named "hookfile[^"]*" with:\s*$')
DOCSTRING = '"""'


def hook_code(lines: list[str]) -> list[str]:
    """Uncomment the pseudo-code, drop the instructions, import our module."""
    code = []
    for line in lines:
        body = line.lstrip()
        indent = line[: len(line) - len(body)]
        if body.startswith("##"):
            continue
        if body.startswith("#"):
            body = body[1:]
        if body.strip() == "import hooks":
            body = "import dredd_hooks as hooks"
        code.append(indent + body if body.strip() else "")
    return code


def adapt(feature: str, command: str) -> str:
    """One feature file, filled in for `command` (the shell words that start our handler)."""
    text = feature.replace("{{my-executable-path}}", command).replace("{{my-extension}}", "py")
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        index += 1
        if HOOK_FILE_STEP.search(line) and index < len(lines) and lines[index].strip() == DOCSTRING:
            end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == DOCSTRING)
            out.append(lines[index])
            out += hook_code(lines[index + 1 : end])
            out.append(lines[end])
            index = end + 1
    return "\n".join(out) + "\n"


def prepare_features(template: Path, target: Path, command: list[str]) -> list[Path]:
    """Write the template's features, adapted to run the handler as `command` says."""
    command_line = " ".join(shlex.quote(word) for word in command)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for feature in sorted((template / "features").glob("*.feature")):
        path = target / feature.name
        text = adapt(feature.read_text(encoding="utf-8"), command_line)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
