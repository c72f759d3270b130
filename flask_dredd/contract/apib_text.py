"""Where each transaction's documented response sits in the blueprint's text.

`flask dredd record` rewrites examples in place, so it needs the text, line by line, not
Dredd's compiled view. This module finds every example (the request/response pairs of an
action) in document order, with the lines of its first response, the one Dredd tests:

    + Response 201 (application/json)     ← status and media type

        + Headers                         ← `Name: value` lines, 12 spaces in

                Location: /users/1

        + Attributes (User)               ← left alone

        + Body                            ← the example body, 12 spaces in

                {"id": 1, ...}

Names are not computed here: the caller pairs the examples, in order, with the names
Dredd's compiler gives (`flask_dredd.contract.compiler`), and `pair_with` checks each pair's
method and status so a layout this parser misreads fails loudly instead of editing the
wrong example. Sections are recognised at the blueprint's usual indentation (4 spaces
for a response's sections, 12 for their content); anything else is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.contract.reorder import ACTION_HEADING, DATA_STRUCTURES_HEADING
from flask_dredd.errors import FlaskDreddError

_REQUEST_OR_RESPONSE = re.compile(r"^[+*-] (Request|Response)\b(.*)$")
_RESPONSE = re.compile(r"^[+*-] Response (\d{3})(?:\s*\(([^)]*)\))?\s*$")
_SECTION = re.compile(r"^ {4}[+*-] (Headers|Attributes|Body|Schema)\b.*$")
_METHOD = re.compile(r"\[([A-Z]+)(?: [^\]]*)?\]\s*$")
_HEADER_LINE = re.compile(r"^ {12}([^:\s][^:]*):[ \t]*(.*)$")

CONTENT_INDENT = " " * 12  # a section's content: a code block inside a nested list item
BARE_INDENT = " " * 8  # a body right under `+ Response`, without `+ Body`
SECTION_INDENT = " " * 4
DESCRIPTION = "Description"  # a response's own text, before its sections


class BlueprintTextError(FlaskDreddError, ValueError):
    """The blueprint's text is laid out in a way record cannot edit safely."""


@dataclass
class Section:
    keyword: str  # Headers, Attributes, Body, Schema, or Description (text before them)
    start: int  # index of the `    + Keyword` line (of the response line for a bare body)
    end: int  # index after its last line (trailing blank lines included)
    bare: bool = False  # a body written right under the response, 8 spaces in


@dataclass
class ResponseText:
    start: int  # index of the `+ Response NNN (type)` line
    end: int  # index after the response's last line
    status: int
    media_type: str | None
    sections: list[Section] = field(default_factory=list)

    def section(self, keyword: str) -> Section | None:
        return next((s for s in self.sections if s.keyword == keyword), None)


@dataclass
class Example:
    method: str  # the action's method
    action: int  # the action's position among the blueprint's actions, from 0
    response: ResponseText  # the example's first response: the one Dredd tests
    name: str = ""  # filled in by `pair_with`


def find_examples(lines: list[str]) -> list[Example]:
    """Every example of the blueprint, in document order (Dredd's run order)."""
    examples: list[Example] = []
    method: str | None = None
    action = -1
    last: str | None = None  # "Request" or "Response": what the action showed last
    index = 0
    while index < len(lines):
        line = lines[index]
        if DATA_STRUCTURES_HEADING.match(line):
            break
        if line.startswith("#"):
            heading = _METHOD.search(line) if ACTION_HEADING.match(line) else None
            method, last = (heading.group(1) if heading else None), None
            action += 1 if heading else 0
        found = _REQUEST_OR_RESPONSE.match(line)
        if found and method is not None:
            kind = found.group(1)
            if kind == "Response" and last != "Response":
                # The first response after requests (or at the start of the action)
                # begins an example; more responses in a row are not tested by Dredd.
                response = parse_response(lines, index)
                examples.append(Example(method, action, response))
                last = kind
                index = response.end
                continue
            last = kind
        index += 1
    return examples


@dataclass(frozen=True)
class UntestedResponse:
    """A `+ Response` that follows another response of its action with no `+ Request`
    between them: Dredd tests only the first response of each request, and drops this
    one without a word."""

    line: int  # 1-based line of the `+ Response` line
    status: str  # "404"
    action: str  # the action's heading: "Retrieve an Event [GET]"
    tested_line: int  # 1-based line of the response Dredd tests instead

    def describe(self, blueprint: str) -> str:
        return (
            f"{blueprint}:{self.line}: `+ Response {self.status}` of {self.action!r} follows the "
            f"response at line {self.tested_line} under the same request, so Dredd never "
            "tests it; give it a `+ Request` of its own (a copy of the request above it, "
            "e.g. `+ Request Not found`) to make it an example that runs"
        )


def untested_responses(lines: list[str]) -> list[UntestedResponse]:
    """Every response Dredd would drop: a second (third…) response after one request."""
    found: list[UntestedResponse] = []
    action: str | None = None
    tested: int | None = None  # line index of the response that began the current example
    last: str | None = None
    for index, line in enumerate(lines):
        if DATA_STRUCTURES_HEADING.match(line):
            break
        if line.startswith("#"):
            heading = _METHOD.search(line) if ACTION_HEADING.match(line) else None
            action = line.lstrip("#").strip() if heading else None
            last = tested = None
            continue
        kind = _REQUEST_OR_RESPONSE.match(line)
        if kind is None or action is None:
            continue
        if kind.group(1) == "Response":
            if last == "Response" and tested is not None:
                status = (kind.group(2).split() or ["?"])[0]
                found.append(UntestedResponse(index + 1, status, action, tested + 1))
            else:
                tested = index
        last = kind.group(1)
    return found


def parse_response(lines: list[str], start: int) -> ResponseText:
    heading = _RESPONSE.match(lines[start])
    if heading is None:
        raise BlueprintTextError(
            f"line {start + 1}: {lines[start].strip()!r} is not `+ Response NNN (media/type)`"
        )
    end = start + 1
    while end < len(lines) and not (lines[end][:1].strip() and not lines[end].startswith(" ")):
        end += 1
    response = ResponseText(start, end, int(heading.group(1)), heading.group(2))
    content = [i for i in range(start + 1, end) if lines[i].strip()]
    bare = content and all(lines[i].startswith(BARE_INDENT) for i in content)
    if bare and not _SECTION.match(lines[content[0]]):  # the shorthand: the body alone
        response.sections.append(Section("Body", start, end, bare=True))
        return response
    for index in range(start + 1, end):
        line = lines[index]
        if not line.strip():
            continue
        match = _SECTION.match(line)
        current = response.sections[-1].keyword if response.sections else None
        in_description = current == DESCRIPTION
        # MSON members of an inline Attributes section sit 8 spaces in; record leaves
        # Attributes alone, so any nesting there is fine.
        in_attributes = current == "Attributes" and line.startswith(" " * 8)
        if match:
            if response.sections:
                response.sections[-1].end = index
            response.sections.append(Section(match.group(1), index, end))
        elif not response.sections and not line.startswith(BARE_INDENT):
            # Text about the response before its sections: kept as it is.
            response.sections.append(Section(DESCRIPTION, index, end))
        elif not (in_description or in_attributes or line.startswith(CONTENT_INDENT)):
            raise BlueprintTextError(
                f"line {index + 1}: record only edits responses laid out as `    + Headers`, "
                f"`    + Attributes`, `    + Body` sections with content 12 spaces in; "
                f"found {line.strip()!r}"
            )
    return response


def pair_with(examples: list[Example], documented: list[DocumentedTransaction]) -> None:
    """Name each example after Dredd's transaction at the same position, checking both."""
    if len(examples) != len(documented):
        raise BlueprintTextError(
            f"found {len(examples)} examples in the text but Dredd compiles "
            f"{len(documented)} transactions; record cannot tell which text is whose"
        )
    for example, transaction in zip(examples, documented, strict=True):
        if (example.method, example.response.status) != (transaction.method, transaction.status):
            raise BlueprintTextError(
                f"line {example.response.start + 1}: expected {transaction.name!r} "
                f"({transaction.method} {transaction.status}) here, the text says "
                f"{example.method} {example.response.status}"
            )
        example.name = transaction.name


def section_content(lines: list[str], section: Section) -> list[str]:
    """A section's content lines, dedented, without the blank lines around them."""
    indent = len(BARE_INDENT if section.bare else CONTENT_INDENT)
    content = [line[indent:] if line.strip() else "" for line in lines[
        section.start + 1 : section.end]]  # fmt: skip
    while content and not content[0]:
        content.pop(0)
    while content and not content[-1]:
        content.pop()
    return content


def header_lines(lines: list[str], section: Section) -> list[tuple[str, str]]:
    """The `Name: value` pairs of a Headers section, in order."""
    found = []
    for index in range(section.start + 1, section.end):
        match = _HEADER_LINE.match(lines[index])
        if match:
            found.append((match.group(1).strip(), match.group(2).rstrip()))
        elif lines[index].strip():
            raise BlueprintTextError(f"line {index + 1}: not a `Name: value` header line")
    return found


def render_section(keyword: str, content: list[str], bare: bool = False) -> list[str]:
    """`    + Keyword`, a blank line, the content 12 spaces in, a blank line; a bare body
    is the content alone, 8 spaces in."""
    if bare:
        return [f"{BARE_INDENT}{line}" if line else "" for line in content]
    return [f"{SECTION_INDENT}+ {keyword}", "", *(
        f"{CONTENT_INDENT}{line}" if line else "" for line in content), ""]  # fmt: skip


def response_heading(status: int, media_type: str | None) -> str:
    return f"+ Response {status}" + (f" ({media_type})" if media_type else "")
