"""`flask dredd names`, `check`, `scaffold` and `init`: writing a contract and its hooks.

They read the project's files in this process (`common.project_of`) and never start a
server: `names` lists what gives each transaction its data, `check` is the CI gate
(blueprint, hook files and routes agree), `scaffold` writes one fixture hook stub,
`init` writes what a new project needs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from flask_dredd.authoring.check import (
    Problem,
    excluded_lines,
    hook_problems,
    python_string,
    raw_skip_problems,
    route_problems,
    strictness,
    untested_response_problems,
)
from flask_dredd.authoring.derived_listing import derived_lines, derived_problems, vacuity_lines
from flask_dredd.authoring.inventory import describe_inventory
from flask_dredd.authoring.scaffold import scaffold
from flask_dredd.cli.common import (
    app_import_path,
    inventory_of,
    load_app,
    project_of,
    settings_of,
    with_project_options,
)
from flask_dredd.contract.routes import app_routes


@click.command("names")
@with_project_options
def names_command(blueprint: Path | None, dredd_config: Path, factories: str) -> None:
    """Every transaction of the blueprint and what gives it its data.

    States: fixtures (the hooks, file:line), no fixtures (declared as needing none),
    skipped (with the reason), MISSING (none of these: `flask dredd check` fails).
    """
    settings = settings_of(blueprint=blueprint, dredd_config=dredd_config, factories=factories)
    project = project_of(settings)
    inventory = inventory_of(project)
    for line in describe_inventory(inventory, project.root):
        click.echo(line)
    for problem in untested_response_problems(project.blueprint, project.root):
        click.echo(f"untested: {problem.message}")
    for rule, reason in settings["excluded-routes"].items():
        click.echo(f"excluded: {rule}: {reason} (not in the contract)")
    for line in derived_lines(project.root, inventory):  # issue #11: from the policy
        click.echo(line)


@click.command("check")
@with_project_options
@click.option(
    "--reports-dir",
    type=click.Path(path_type=Path),
    default="reports",
    show_default=True,
    help="the last run's reports: its vacuous filters are listed",
)
@click.option("--strict", is_flag=True, help="also fail on a vacuous filter of the last run")
@click.pass_context
def check_command(
    ctx: click.Context,
    blueprint: Path | None,
    dredd_config: Path,
    factories: str,
    reports_dir: Path,
    strict: bool,
) -> None:
    """Fail when the blueprint, the hook files and the app's routes disagree.

    A hook naming no transaction, a transaction without fixtures or declaration, a skip
    or an inexact declaration without a reason, a route the blueprint does not document,
    a documented action no route serves, a response Dredd would drop (a second
    `+ Response` under one request). Exit status 1 when a problem is found. Lists
    the transactions opted out of exact comparison, with their reasons.
    """
    settings = settings_of(blueprint=blueprint, dredd_config=dredd_config, factories=factories)
    project = project_of(settings)
    inventory = inventory_of(project)
    app = load_app(app_import_path(ctx, settings), settings)
    routes = app_routes(app)
    hook_paths = project.hook_paths()
    excluded = settings["excluded-routes"]
    problems = (
        untested_response_problems(project.blueprint, project.root)
        + hook_problems(inventory, project.root)
        + raw_skip_problems(hook_paths, project.root)
        + route_problems(
            [entry.transaction for entry in inventory.entries],
            routes,
            app.url_map.converters,
            excluded,
        )
    )
    policy, derived = derived_problems(project.root, inventory)
    problems += policy
    vacuous = vacuity_lines(project.root / reports_dir)
    if strict:
        problems += [Problem("vacuous", line) for line in vacuous]
    for problem in problems:
        click.echo(f"✗ {problem}")
    for line in excluded_lines(routes, excluded):
        click.echo(line)
    for line in strictness(inventory, project.root):
        click.echo(line)
    if not strict:
        for line in vacuous:
            click.echo(f"vacuous: {line}")
    counted = f"{len(inventory.entries)} " + (f"documented + {derived} derived " if derived else "")
    summary = (
        f"{counted}transactions, {len(hook_paths)} hook files, {len(routes)} routes of {app.name}"
    )
    if excluded:
        summary += f" ({len(excluded_lines(routes, excluded))} left out of the contract)"
    if problems:
        click.echo(f"check: {len(problems)} problem(s) in {summary}")
        sys.exit(1)
    click.echo(f"check: OK, {summary}")


@click.command("scaffold")
@click.argument("name")
@with_project_options
def scaffold_command(name: str, blueprint: Path | None, dredd_config: Path, factories: str) -> None:
    """Write the fixture hook stub for transaction NAME into its resource's hook module."""
    settings = settings_of(blueprint=blueprint, dredd_config=dredd_config, factories=factories)
    project = project_of(settings)
    inventory = inventory_of(project)
    done = scaffold(project, inventory, name, settings["scaffold-prefix"])  # ScaffoldError: 1
    inside = done.path.is_relative_to(project.root)
    relative = done.path.relative_to(project.root) if inside else done.path
    made = "created" if done.created else "added to"
    uses = f" using {', '.join(done.factories)}" if done.factories else ""
    click.echo(f"{made} {relative}:{done.line}: {done.function}(){uses}")
    click.echo(
        f"next: make it create the example's rows, then run it alone:\n"
        f'  flask dredd run -- --only "{name}"'
    )




@click.command("init")
@click.option("--force", is_flag=True, help="replace files that exist already")
@click.pass_context
def init_command(ctx: click.Context, force: bool) -> None:
    """Write what this Flask project needs for contract tests, keeping what exists.

    The [tool.flask-dredd] settings in pyproject.toml, hooks/ (the setup line and the
    declarations), factories/ (a stub per model), apiary.apib (an action per route),
    package.json with Dredd pinned and its lock, a Makefile, .gitignore lines, a GitHub
    workflow and a docker-compose.yml. Existing files are kept unless --force.
    """
    from flask_dredd.authoring.init import init

    settings = settings_of()
    import_path = app_import_path(ctx, settings)
    app = load_app(import_path, settings)
    root = Path.cwd()
    done = init(root, app, import_path, force=force, prefix=settings["scaffold-prefix"],
                url_env=settings["database-url-env"])  # fmt: skip
    for relative in done.written:
        click.echo(f"wrote {relative}")
    for relative in done.kept:
        click.echo(f"kept  {relative} (exists; --force replaces it)")
    click.echo("\nnext steps:")
    click.echo("  npm ci                  # Dredd 14.1.0, as package-lock.json pins it")
    click.echo("  flask dredd names       # every transaction: MISSING until it has its data")
    click.echo("  then fixtures for each (or a declaration in hooks/declarations.py):")
    for name in done.transactions:
        click.echo(f"  flask dredd scaffold {python_string(name)}")
    click.echo("  flask dredd run         # the first green run, once the examples are filled in")
