"""docs/api.md documents every public name of ``aioweb`` and ``aioweb.web``, with a docstring.

The reference page is built by autodoc from directives in ``{eval-rst}`` blocks. Nothing in
Sphinx fails when a public name has no directive (the name is just missing from the page),
so this test reads the directives and compares them with the facades' ``__all__``. It does
not build the docs: ``scripts/docs.sh`` does that, with ``-W``.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import inspect
import itertools
import re
import types
from functools import cached_property
from pathlib import Path

import pytest

import aioweb
import aioweb.web

DOCS = Path(__file__).resolve().parents[1] / "docs"
API_PAGE = DOCS / "api.md"

# The names checked: each facade's __all__, plus the gunicorn workers, which aioweb (like
# aiohttp) serves lazily from a module __getattr__ so that "import aioweb" never needs
# gunicorn. aiohttp lists them in its __all__; the reference must show them either way.
FACADES = {"aioweb": aioweb, "aioweb.web": aioweb.web}
LAZY_NAMES = {"aioweb": ("GunicornWebWorker", "GunicornUVLoopWebWorker")}

_FENCE = re.compile(r"^```\{eval-rst\}\n(.*?)^```", re.M | re.S)
_DIRECTIVE = re.compile(r"^\.\. (auto\w+|py:\w+)::\s*(\S+)\s*$")
_OPTION = re.compile(r"^\s+:([\w-]+):\s*(.*)$")


@dataclasses.dataclass
class Directive:
    kind: str  # "autoclass", "py:data", ...
    target: str  # the full dotted path it documents
    options: dict[str, str]
    has_content: bool  # text written under the directive in api.md


def parse_directives(text: str) -> list[Directive]:
    """Return the autodoc and Python-domain directives of the page's eval-rst blocks."""
    found: list[Directive] = []
    for block in _FENCE.findall(text):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            match = _DIRECTIVE.match(line)
            if match is None:
                continue
            kind, target = match.groups()
            body = list(
                itertools.takewhile(lambda b: not b.strip() or b[:1].isspace(), lines[i + 1 :])
            )
            # The options come first, up to the first blank line; an option's value may
            # go on over more deeply indented lines. Anything after that is content.
            options: dict[str, str] = {}
            current = None
            k = 0
            while k < len(body) and body[k].strip():
                option = _OPTION.match(body[k])
                if option:
                    current = option.group(1)
                    options[current] = option.group(2).strip()
                elif current is not None:
                    options[current] = f"{options[current]} {body[k].strip()}".strip()
                k += 1
            has_content = any(b.strip() for b in body[k:])
            # ".. py:data:: NAME" with ":module: MOD" documents MOD.NAME.
            if kind.startswith("py:") and "module" in options:
                target = f"{options['module']}.{target}"
            found.append(Directive(kind, target, options, has_content))
    return found


def resolve(path: str) -> object:
    """Import ``path`` (``package.module.attr.attr``) and return the object."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


def _option_names(value: str) -> set[str]:
    return {name.strip() for name in value.split(",") if name.strip()}


def _autodoc_members_by_default() -> bool:
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "autodoc_default_options" for t in node.targets
        ):
            return bool(ast.literal_eval(node.value).get("members"))
    return False


def is_plain_data(obj: object) -> bool:
    """Whether ``obj`` is a value rather than a class, function or module."""
    return not (inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj))


def documented_paths(directives: list[Directive]) -> dict[str, Directive]:
    """Map each dotted path the page documents to the directive that documents it.

    ``automodule`` documents the names of the module's ``__all__`` (``:members:`` is on by
    default in conf.py; ``:no-members:`` turns it off, ``:exclude-members:`` leaves names
    out). It leaves out plain data, though: autodoc only shows a value when the module
    that is documented assigns it under a ``#:`` comment, and the public modules only
    re-export their values. So values need a directive of their own.

    Raises:
        AssertionError: An ``automodule`` lists its members while conf.py turns
            ``members`` on for every directive: Sphinx then ignores the list and shows
            them all (sphinx-doc/sphinx#9709, still open in 9.0); use
            ``:exclude-members:`` instead.
    """
    members_by_default = _autodoc_members_by_default()
    paths: dict[str, Directive] = {}
    for directive in directives:
        paths[directive.target] = directive
        if directive.kind != "automodule" or "no-members" in directive.options:
            continue
        module = importlib.import_module(directive.target)
        if directive.options.get("members"):
            assert not members_by_default, (
                f"automodule {directive.target}: Sphinx ignores a :members: list when "
                "conf.py sets members by default (sphinx#9709); use :exclude-members:"
            )
            names = _option_names(directive.options["members"])
        elif "members" in directive.options or members_by_default:
            names = set(getattr(module, "__all__", ()))
        else:
            names = set()
        names -= _option_names(directive.options.get("exclude-members", ""))
        for name in names:
            if not is_plain_data(getattr(module, name)):
                paths[f"{directive.target}.{name}"] = directive
    return paths


def find_directive(
    module: str, name: str, paths: dict[str, Directive]
) -> tuple[str, Directive] | None:
    """Return the path and directive that document ``module.name``, if any.

    The exact path counts, and so does the same object documented under its other public
    path with the same name: ``aioweb.StreamReader`` is documented as
    ``aioweb.streams.StreamReader``, ``aioweb.web.WSMsgType`` as ``aioweb.WSMsgType``. An
    alias under another name (``DefaultResolver`` is ``AsyncResolver`` or
    ``ThreadedResolver``) does not count: it needs an entry that says what it is.
    """
    exact = f"{module}.{name}"
    if exact in paths:
        return exact, paths[exact]
    obj = getattr(FACADES[module], name)
    for path, directive in paths.items():
        if path.rpartition(".")[2] != name or any(p.startswith("_") for p in path.split(".")):
            continue
        try:
            if resolve(path) is obj:
                return path, directive
        except (ImportError, AttributeError):
            continue
    return None


def own_docstring(obj: object) -> str | None:
    """The docstring ``obj`` was written with, not one it inherits or Python generates."""
    if inspect.ismodule(obj) or inspect.isroutine(obj):
        return inspect.getdoc(obj)
    if inspect.isclass(obj):
        doc = vars(obj).get("__doc__")
        if not isinstance(doc, str) or not doc.strip():
            return None
        # dataclasses and NamedTuples without a docstring get their signature as one;
        # Enum subclasses get a generic sentence.
        if doc.startswith(f"{obj.__name__}(") or (
            issubclass(obj, enum.Enum) and doc == enum.Enum.__doc__
        ):
            return None
        return doc
    return None


def public_names() -> list[tuple[str, str]]:
    names = [(module, name) for module, mod in FACADES.items() for name in mod.__all__]
    names += [(module, name) for module, extra in LAZY_NAMES.items() for name in extra]
    return names


PAGE_DIRECTIVES = parse_directives(API_PAGE.read_text(encoding="utf-8"))
PATHS = documented_paths(PAGE_DIRECTIVES)


def test_the_page_has_directives_and_they_all_import() -> None:
    assert len(PAGE_DIRECTIVES) > 100
    for directive in PAGE_DIRECTIVES:
        resolve(directive.target)  # a typo would fail the docs build too, with less context


def test_the_parser_reads_options_and_content() -> None:
    page = (
        "```{eval-rst}\n"
        ".. automodule:: aioweb.pytest_plugin\n"
        "   :exclude-members: pytest_configure,\n"
        "      pytest_addoption\n"
        ".. py:data:: EMPTY_PAYLOAD\n"
        "   :module: aioweb.streams\n"
        "\n"
        "   The shared empty reader.\n"
        "```\n"
    )
    module, data = parse_directives(page)
    assert module.options["exclude-members"] == "pytest_configure, pytest_addoption"
    assert not module.has_content
    assert data.target == "aioweb.streams.EMPTY_PAYLOAD"
    assert data.has_content
    paths = documented_paths([module])
    assert "aioweb.pytest_plugin.aioweb_server" in paths
    assert "aioweb.pytest_plugin.pytest_configure" not in paths
    # A :members: list would be ignored by Sphinx (sphinx#9709), so it is refused here.
    listed = parse_directives(
        "```{eval-rst}\n.. automodule:: aioweb.pytest_plugin\n   :members: aioweb_client\n```\n"
    )
    with pytest.raises(AssertionError, match="9709"):
        documented_paths(listed)


@pytest.mark.parametrize(("module", "name"), public_names())
def test_every_public_name_is_in_the_reference_with_a_docstring(module: str, name: str) -> None:
    found = find_directive(module, name, PATHS)
    assert found is not None, f"{module}.{name} has no directive in docs/api.md"
    path, directive = found
    obj = getattr(FACADES[module], name)
    if directive.kind.startswith("py:") or is_plain_data(obj):
        # A value (EMPTY_PAYLOAD, HttpVersion11, a type alias, __version__) has no
        # docstring of its own: its __doc__ is its type's, which autodoc would show as if
        # it described the value. The page describes it instead, under a py:data
        # directive, so the description must be there.
        assert directive.has_content, f"{path}: describe the value under its directive"
    else:
        assert own_docstring(obj), f"{module}.{name} has no docstring of its own"


def _documented_classes() -> list[tuple[str, type]]:
    classes: dict[int, tuple[str, type]] = {}
    for module, name in public_names():
        obj = getattr(FACADES[module], name)
        if inspect.isclass(obj) and obj.__module__.startswith("aioweb"):
            classes.setdefault(id(obj), (f"{module}.{name}", obj))
    return sorted(classes.values(), key=lambda item: item[0])


@pytest.mark.parametrize(("path", "cls"), _documented_classes())
def test_public_methods_and_properties_have_docstrings(path: str, cls: type) -> None:
    # autodoc leaves a member without a docstring off the page (no :undoc-members:), so
    # a method nobody documented would silently vanish from the reference.
    undocumented = []
    for attr, member in vars(cls).items():
        if attr.startswith("_"):
            continue
        if isinstance(member, staticmethod | classmethod):
            member = member.__func__
        if not isinstance(member, types.FunctionType | property | cached_property):
            continue
        if not inspect.getdoc(getattr(cls, attr, member)) and not inspect.getdoc(member):
            undocumented.append(attr)
    assert not undocumented, f"{path}: {', '.join(undocumented)} without a docstring"


def test_removing_a_directive_is_noticed() -> None:
    # The check above must be able to fail: drop the directive of Application.
    text = API_PAGE.read_text(encoding="utf-8")
    assert ".. autoclass:: aioweb.web.Application\n" in text
    paths = documented_paths(
        parse_directives(text.replace(".. autoclass:: aioweb.web.Application\n", ""))
    )
    assert find_directive("aioweb.web", "Application", paths) is None
    assert find_directive("aioweb.web", "Request", paths) is not None
