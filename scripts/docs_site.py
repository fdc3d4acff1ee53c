"""The documentation site's generated pages: the API reference, the CLI, exit codes, JSON schemas.

``mkdocs.yml`` loads this file as an mkdocs hook (hooks are built into mkdocs: nothing is
downloaded). Nothing here is committed as Markdown: every build asks the code what exists, so a
new module, a new name in an ``__all__``, a new subcommand or a new exit code appears on the site
by itself, and a removed one disappears. :func:`pages` is what the hook adds;
``tests/docs/test_site.py`` imports it too, to check the built site against the same list.

Which modules get a reference page (:func:`reference_modules`): ``tokenwire.core`` (its
``__all__`` is the core's public surface; its submodules are private), every direct submodule of
``tokenwire.adapters`` and of ``tokenwire.conformance`` whose name does not start with ``_``.
A page lists the module's ``__all__``; a module without one shows its public members.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import json
import os
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

#: The packages whose direct submodules each get a reference page.
SUBMODULE_PACKAGES = ("tokenwire.adapters", "tokenwire.conformance")
#: The modules whose constants named ``EXIT_*`` are exit codes (``#:`` comments describe them).
EXIT_CODE_MODULES = ("tokenwire.adapters.cli", "tokenwire.conformance.cli")
#: Where the generated pages go inside the site.
REFERENCE_DIR = "reference"


@dataclass(frozen=True)
class Page:
    """One generated page: its path in the site, its title in the nav, and its Markdown."""

    uri: str
    title: str
    markdown: str
    #: A module's page (listed under *Modules* in the nav), not one of the other references.
    module: bool = False


def reference_modules() -> list[ModuleType]:
    """Every module that gets a reference page, in nav order."""
    modules = [importlib.import_module("tokenwire.core")]
    for package_name in SUBMODULE_PACKAGES:
        package = importlib.import_module(package_name)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                modules.append(importlib.import_module(f"{package_name}.{info.name}"))
    return modules


def public_names(module: ModuleType) -> list[str] | None:
    """The module's ``__all__`` (sorted), or ``None`` when it declares none."""
    names = getattr(module, "__all__", None)
    return None if names is None else sorted(names)


def module_page(module: ModuleType) -> Page:
    """The reference page of one module, rendered by mkdocstrings from the docstrings."""
    name = module.__name__
    names = public_names(module)
    options = [
        "    options:",
        "      show_root_heading: true",
        "      show_root_full_path: true",
        "      heading_level: 1",
    ]
    if names is not None:
        options.append("      members:")
        options += [f"        - {member}" for member in names]
    body = [f"::: {name}", *options, ""]
    return Page(f"{REFERENCE_DIR}/{name}.md", name, "\n".join(body), module=True)


def _help(parser: argparse.ArgumentParser) -> str:
    return parser.format_help().rstrip()


def subparsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    """The subcommands of ``parser``: ``(name, parser)``, each parser once (aliases skipped)."""
    found: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for name, sub in action.choices.items():
                if id(sub) not in seen:  # aliases point at the same parser
                    seen.add(id(sub))
                    found.append((name, sub))
    return found


def cli_page() -> Page:
    """``tokenwire --help`` and every subcommand's ``--help``, from ``build_parser()``."""
    from tokenwire.adapters.cli import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = (
        "100"  # argparse wraps to the terminal; the page should not depend on it
    )
    try:
        parser = build_parser()
        lines = [
            "# The `tokenwire` command",
            "",
            "Generated from `tokenwire.adapters.cli.build_parser()` at every build: this is what",
            "`--help` prints. Exit codes: [Exit codes](exit-codes.md).",
            "",
            "```text",
            _help(parser),
            "```",
            "",
        ]
        queue = [(f"tokenwire {name}", sub) for name, sub in subparsers(parser)]
        while queue:
            title, sub = queue.pop(0)
            lines += [f"## `{title}`", "", "```text", _help(sub), "```", ""]
            queue[0:0] = [(f"{title} {name}", deeper) for name, deeper in subparsers(sub)]
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return Page(f"{REFERENCE_DIR}/cli.md", "CLI", "\n".join(lines))


#: A Sphinx cross-reference in a ``#:`` comment: ``:class:`~tokenwire.core.ConfigurationError```.
_ROLE = re.compile(r":\w+:`(~?)([\w.]+)`")


def _role_text(found: re.Match[str]) -> str:
    """A cross-reference as Markdown code: its last part when it starts with ``~``."""
    name = found.group(2).rsplit(".", 1)[-1] if found.group(1) else found.group(2)
    return f"`{name}`"


def exit_codes() -> list[tuple[str, str, int, str]]:
    """``(module, constant, value, description)`` for every ``EXIT_*`` constant, by value."""
    found: list[tuple[str, str, int, str]] = []
    for module_name in EXIT_CODE_MODULES:
        module = importlib.import_module(module_name)
        source = inspect.getsource(module).splitlines()
        for node in ast.parse("\n".join(source)).body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            if not (isinstance(target, ast.Name) and target.id.startswith("EXIT_")):
                continue
            comments: list[str] = []
            line = node.lineno - 2
            while line >= 0 and source[line].lstrip().startswith("#:"):
                comments.insert(0, source[line].lstrip()[2:].strip())
                line -= 1
            description = _ROLE.sub(_role_text, " ".join(comments))
            found.append((module_name, target.id, getattr(module, target.id), description))
    return sorted(found, key=lambda row: (row[2], row[1]))


def exit_codes_page() -> Page:
    """The exit codes table, from the CLI modules' ``EXIT_*`` constants and their comments."""
    lines = [
        "# Exit codes",
        "",
        "Generated from the `EXIT_*` constants of the CLI modules at every build.",
        "",
        "| Code | Constant | Meaning |",
        "| --- | --- | --- |",
    ]
    for module, constant, value, description in exit_codes():
        lines.append(f"| {value} | `{module}.{constant}` | {description} |")
    lines += ["", "The `tokenwire` command: [CLI](cli.md).", ""]
    return Page(f"{REFERENCE_DIR}/exit-codes.md", "Exit codes", "\n".join(lines))


def schemas() -> dict[str, dict[str, Any]]:
    """The JSON schemas of the vector and scenario files, from their msgspec structs."""
    import msgspec

    from tokenwire.conformance.scenarios import Scenario
    from tokenwire.conformance.vectors import Vector

    return {"Vector": msgspec.json.schema(Vector), "Scenario": msgspec.json.schema(Scenario)}


def schemas_page() -> Page:
    """The vector and scenario schemas, generated with ``msgspec.json.schema``."""
    lines = [
        "# Vector and scenario schemas",
        "",
        "Generated at every build with `msgspec.json.schema` from",
        "`tokenwire.conformance.vectors.Vector` (the files under `conformance/.../vectors/`) and",
        "`tokenwire.conformance.scenarios.Scenario` (the fault scenarios).",
        "",
    ]
    for name, schema in schemas().items():
        lines += [f"## {name}", "", "```json", json.dumps(schema, indent=2), "```", ""]
    return Page(f"{REFERENCE_DIR}/schemas.md", "Vector and scenario schemas", "\n".join(lines))


def pages() -> list[Page]:
    """Every generated page, in nav order."""
    return [
        *(module_page(module) for module in reference_modules()),
        cli_page(),
        exit_codes_page(),
        schemas_page(),
    ]


# --- the mkdocs hook -------------------------------------------------------------------------

_generated: list[Page] = []


def on_config(config: Any) -> Any:
    """Generate the pages, and list them under *Reference* in the nav."""
    _generated[:] = pages()
    modules = [{page.title: page.uri} for page in _generated if page.module]
    others = [{page.title: page.uri} for page in _generated if not page.module]
    reference = [
        {"Overview": f"{REFERENCE_DIR}/index.md"},
        *others,
        {"Modules": modules},
    ]
    nav = config["nav"]
    if nav is not None:
        _section(nav, "Reference")[:] = reference
        _section(nav, "Guides").extend(unlisted_guides(Path(config["docs_dir"]), nav))
    return config


def _section(nav: list[Any], title: str) -> list[Any]:
    """The entries of the nav section ``title`` (created at the end when missing)."""
    for entry in nav:
        if isinstance(entry, dict) and title in entry:
            if not isinstance(entry[title], list):
                entry[title] = []
            section: list[Any] = entry[title]
            return section
    nav.append({title: []})
    created: list[Any] = nav[-1][title]
    return created


def _listed(nav: Any) -> set[str]:
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, dict):
        return set().union(*(_listed(value) for value in nav.values()))
    if isinstance(nav, list):
        return set().union(*(_listed(value) for value in nav))
    return set()


def unlisted_guides(docs_dir: Path, nav: list[Any]) -> list[dict[str, str]]:
    """Pages in ``docs/`` the nav does not list (a guide that just landed): titled by heading."""
    listed = _listed(nav)
    found: list[dict[str, str]] = []
    for path in sorted(docs_dir.glob("*.md")):
        if path.name not in listed:
            heading = next(
                (
                    line[2:].strip()
                    for line in path.read_text("utf-8").splitlines()
                    if line.startswith("# ")
                ),
                path.stem,
            )
            found.append({heading.replace("`", ""): path.name})
    return found


#: A Sphinx role left in rendered HTML (the docstrings are reST-flavoured; the site renders
#: Markdown): ``:func:<code>~tokenwire.core.token_flow</code>``.
_HTML_ROLE = re.compile(
    r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj|const):<code>(~?)\.?([\w.]+)</code>"
)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Sphinx roles in docstrings become cross-references (or plain code when unresolvable).

    ``autorefs`` resolves the ``<autoref>`` elements after every page is rendered; ``optional``
    ones that name nothing on the site (a private name, a relative one) become plain code.
    """

    def replace(found: re.Match[str]) -> str:
        identifier = found.group(2)
        title = identifier.rsplit(".", 1)[-1] if found.group(1) else identifier
        return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'

    return _HTML_ROLE.sub(replace, html)


#: A Markdown link to a file of the repository outside ``docs/``, e.g. ``[x](../tests/y.py)``.
_REPO_LINK = re.compile(r"\[([^\]]+)\]\((\.\./[^)#\s]+)\)")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Links to repository files outside ``docs/`` become the file's path in code.

    The site serves ``docs/`` only, so such a link would be dead there (and on the repository
    page it works). A link whose file does not exist is left alone, for ``--strict`` to fail on.
    """
    docs_dir = Path(config["docs_dir"]).resolve()
    page_dir = (docs_dir / page.file.src_path).parent

    def replace(found: re.Match[str]) -> str:
        target = (page_dir / found.group(2)).resolve()
        if target.is_relative_to(docs_dir) or not target.exists():
            return found.group(0)
        relative = target.relative_to(docs_dir.parent).as_posix()
        return f"{found.group(1)} (`{relative}`)"

    return _REPO_LINK.sub(replace, markdown)


def on_files(files: Any, config: Any) -> Any:
    """Add the generated pages to the site's files (they exist only in the build)."""
    from mkdocs.structure.files import File

    for page in [*_generated, reference_index()]:
        files.append(File.generated(config, page.uri, content=page.markdown))
    return files


def reference_index() -> Page:
    """The reference's front page: every generated page, linked."""
    lines = [
        "# Reference",
        "",
        "Every page here is generated at build time from the code: the modules' `__all__` and",
        "docstrings, the CLI's argparse parser, the exit-code constants and the msgspec structs.",
        "",
    ]
    for page in _generated or pages():
        link = page.uri.removeprefix(f"{REFERENCE_DIR}/")
        lines.append(f"- [{page.title}]({link})")
    return Page(f"{REFERENCE_DIR}/index.md", "Reference", "\n".join(lines) + "\n")


__all__ = [
    "Page",
    "cli_page",
    "exit_codes",
    "exit_codes_page",
    "module_page",
    "on_config",
    "on_files",
    "on_page_content",
    "on_page_markdown",
    "pages",
    "public_names",
    "reference_index",
    "reference_modules",
    "schemas",
    "schemas_page",
    "subparsers",
    "unlisted_guides",
]

if __name__ == "__main__":  # pragma: no cover - a look at what the hook generates
    for generated_page in pages():
        print(generated_page.uri, len(generated_page.markdown))
