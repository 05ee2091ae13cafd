"""The import graph: arrows point down, the engines stay libraries, no cycle.

Every module under `tierslien/` is read with `ast` (nothing is imported, so no
side effect and no Django needed) and these rules are checked:

- the engines (`mixing`, `lottery`) import no Django and no other part of tierslien, and
  the table plans (`gatherings/tables/`) no Django and only the mixing engine;
- `lib` imports no app (Django, the standard library and third parties only);
- apps use the mixing engine through its public names only (`tierslien.mixing`
  and what its `__all__` lists), never `tierslien.mixing.<module>`;
- every package sits in a layer (`LAYERS`, lowest first) and imports only from
  lower layers, imports inside functions included;
- views are the top of an app: only urls and other views import a views module;
- no module imports another module's private names (`_helper`): share it under a
  public name in the module where it belongs;
- no import cycle among tierslien's modules at module level.

The layers are written down in docs/architecture.md too. A new app or package
needs a place in `LAYERS`: the test says so. Each checker is also run on a tiny
synthetic tree below, to prove that it fails on a violation.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "tierslien"

# Lowest first. A package imports only packages of a lower layer (never one of its own
# layer but itself). The top-level modules `settings`, `urls` and `wsgi` count as packages.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("lib", "mixing", "lottery"),  # not apps: plain Python (+ Django for lib)
    ("outbox", "operations"),  # sending mail; the scheduler, heartbeats, periodic jobs
    ("accounts",),
    ("territories",),
    ("portraits",),  # the self-portrait, and the one question -> engine adapter
    ("privacy",),  # the registry of personal data, retention periods
    ("circles", "gatherings"),  # seasons of circles; evenings and themed meetings
    ("spaces",),  # a circle's private space
    ("moderation",),  # blocks, reports, removals (feeds blocked pairs to circles)
    ("feedback",),  # after a season: answers, report, purge
    ("relays",),  # local contacts registering people who are not online; takeover
    ("outreach",),  # who is missing, and turnout (does the mix survive until people come)
    ("potential",),  # a season's mixing potential: what limits the mix, levers, who meets whom
    ("demo",),  # the demo data, over every app
    ("core",),  # home page, admin site, backups, warm-up, project-wide commands
    ("settings", "urls", "wsgi"),  # the project's modules (settings imports only lib)
)
# Plain libraries (no Django), and what else of tierslien each may import.
DJANGO_FREE: dict[str, tuple[str, ...]] = {
    "tierslien.mixing": (),
    "tierslien.lottery": (),
    "tierslien.gatherings.tables": ("tierslien.mixing",),  # table plans over rounds
}
# Django helpers shared by the apps, and no app.
LIB = "lib"
# Engines whose public surface is their package (`__all__`), for everybody else.
PUBLIC_SURFACE: tuple[str, ...] = ("mixing",)


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (or the external package's dotted name)
    names: tuple[str, ...]  # names taken from `target` (a `from` import), else ()
    line: int
    module_level: bool  # runs when `source` is imported (not inside a function)


@dataclass(frozen=True)
class Tree:
    """The sources of a package's modules (dotted name -> text), and which are packages."""

    sources: Mapping[str, str]
    packages: frozenset[str]

    @property
    def modules(self) -> frozenset[str]:
        return frozenset(self.sources)


def read_tree(root: Path = ROOT, package: str = PACKAGE) -> Tree:
    sources: dict[str, str] = {}
    packages: set[str] = set()
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
            packages.add(".".join(parts))
        sources[".".join(parts)] = path.read_text(encoding="utf-8")
    return Tree(sources=sources, packages=frozenset(packages))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, module_level: bool) -> Iterator[tuple[ast.AST, bool]]:
    """Every node, with whether it runs at import (functions' bodies and
    `if TYPE_CHECKING:` blocks do not)."""
    for child in ast.iter_child_nodes(node):
        inner = module_level
        function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        if function or (isinstance(child, ast.If) and _is_type_checking(child)):
            inner = False
        yield child, inner
        yield from _walk(child, inner)


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports_of(module: str, tree: Tree) -> list[Import]:
    """The imports of one module, resolved: `from a import b` targets `a.b` when it is a
    module of the tree, `a` otherwise."""
    syntax = ast.parse(tree.sources[module], filename=module)
    is_package = module in tree.packages
    found: list[Import] = []
    for node, module_level in _walk(syntax, True):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(module, alias.name, (), node.lineno, module_level))
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node.level, node.module)
            plain: list[str] = []
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in tree.modules:
                    found.append(Import(module, submodule, (), node.lineno, module_level))
                else:
                    plain.append(alias.name)
            if plain:
                found.append(Import(module, base, tuple(plain), node.lineno, module_level))
    return found


def all_imports(tree: Tree) -> list[Import]:
    return [found for module in sorted(tree.modules) for found in imports_of(module, tree)]


def part_of(module: str, package: str = PACKAGE) -> str | None:
    """The package of tierslien a dotted name belongs to (`circles`, `settings`...)."""
    parts = module.split(".")
    if parts[0] != package or len(parts) < 2:
        return None
    return parts[1]


def _where(found: Import) -> str:
    return f"{found.source}:{found.line} imports {found.target}"


# --- The rules ---------------------------------------------------------------------------


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def engine_violations(
    imports: Iterable[Import], engines: Mapping[str, tuple[str, ...]] = DJANGO_FREE
) -> list[str]:
    out = []
    for engine, allowed in engines.items():
        for found in imports:
            if not _within(found.source, engine):
                continue
            ours = part_of(found.target) is not None
            if found.target.split(".")[0] == "django":
                out.append(f"{_where(found)}: {engine} never imports Django")
            elif ours and not any(_within(found.target, p) for p in (engine, *allowed)):
                out.append(f"{_where(found)}: {engine} imports only {allowed or 'itself'}")
    return out


def lib_violations(imports: Iterable[Import], lib: str = LIB) -> list[str]:
    return [
        f"{_where(found)}: lib imports no app"
        for found in imports
        if part_of(found.source) == lib and part_of(found.target) not in (None, lib)
    ]


def public_names(tree: Tree, package: str) -> frozenset[str]:
    """The names in `__all__` of `tierslien.<package>`."""
    syntax = ast.parse(tree.sources[f"{PACKAGE}.{package}"])
    for node in syntax.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            return frozenset(str(name) for name in value)
    return frozenset()


def _package_aliases(syntax: ast.Module, dotted: str) -> set[str]:
    """Names a module binds to the package `dotted` (`from tierslien import mixing`)."""
    parent, _dot, last = dotted.rpartition(".")
    aliases = set()
    for node in ast.walk(syntax):
        if isinstance(node, ast.ImportFrom) and node.module == parent and node.level == 0:
            aliases |= {a.asname or a.name for a in node.names if a.name == last}
    return aliases


def surface_violations(
    tree: Tree, imports: Iterable[Import], surfaces: Iterable[str] = PUBLIC_SURFACE
) -> list[str]:
    out = []
    for package in surfaces:
        dotted = f"{PACKAGE}.{package}"
        public = public_names(tree, package)
        submodules = {m.rsplit(".", 1)[1] for m in tree.modules if m.startswith(f"{dotted}.")}
        for found in imports:
            if part_of(found.source) == package:
                continue
            if found.target.startswith(f"{dotted}."):
                out.append(f"{_where(found)}: use the public names of {dotted}")
            elif found.target == dotted:
                out.extend(
                    f"{_where(found)}.{name}: not in {dotted}.__all__"
                    for name in found.names
                    if name not in public
                )
        # `mixing.problem.Value` reaches a module through the package's attribute.
        for module in sorted(tree.modules):
            if part_of(module) == package:
                continue
            syntax = ast.parse(tree.sources[module])
            aliases = _package_aliases(syntax, dotted)
            for node in ast.walk(syntax):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in aliases
                    and node.attr in submodules
                ):
                    out.append(
                        f"{module}:{node.lineno} uses {dotted}.{node.attr}: "
                        f"use the public names of {dotted}"
                    )
    return out


def layer_of(layers: tuple[tuple[str, ...], ...]) -> dict[str, int]:
    return {package: rank for rank, row in enumerate(layers) for package in row}


def unplaced_packages(tree: Tree, layers: tuple[tuple[str, ...], ...] = LAYERS) -> list[str]:
    ranks = layer_of(layers)
    parts = {part_of(module) for module in tree.modules} - {None}
    return sorted(p for p in parts if p is not None and p not in ranks)


def layer_violations(
    imports: Iterable[Import], layers: tuple[tuple[str, ...], ...] = LAYERS
) -> list[str]:
    ranks = layer_of(layers)
    out = []
    for found in imports:
        source, target = part_of(found.source), part_of(found.target)
        if source is None or target is None or source == target:
            continue
        if source not in ranks or target not in ranks:
            continue  # reported by unplaced_packages
        if ranks[target] >= ranks[source]:
            out.append(
                f"{_where(found)}: {source} (layer {ranks[source]}) may import only lower "
                f"layers, {target} is layer {ranks[target]}"
            )
    return out


def is_views(module: str) -> bool:
    return any(part == "views" or part.endswith("_views") for part in module.split(".")[2:])


def is_urls(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "urls" or last.endswith("_urls") or module == f"{PACKAGE}.urls"


def views_violations(imports: Iterable[Import]) -> list[str]:
    return [
        f"{_where(found)}: only urls and views import a views module"
        for found in imports
        if part_of(found.target) is not None
        and is_views(found.target)
        and not (is_views(found.source) or is_urls(found.source))
    ]


def private_violations(imports: Iterable[Import]) -> list[str]:
    return [
        f"{_where(found)}.{name}: a private name of another module"
        for found in imports
        if part_of(found.target) is not None
        for name in found.names
        if name.startswith("_") and not name.startswith("__")
    ]


def cycles(imports: Iterable[Import]) -> list[list[str]]:
    """Groups of tierslien modules importing each other at module level (Tarjan)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for found in imports:
        inside = part_of(found.target) is not None and found.target != found.source
        if found.module_level and inside:
            graph[found.source].add(found.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def cycle_edges(imports: Iterable[Import], group: list[str]) -> list[str]:
    members = set(group)
    return sorted(
        {
            _where(found)
            for found in imports
            if found.module_level and found.source in members and found.target in members
        }
    )


# --- The real tree -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tree() -> Tree:
    return read_tree()


@pytest.fixture(scope="module")
def imports(tree: Tree) -> list[Import]:
    return all_imports(tree)


def test_every_package_has_a_layer(tree: Tree) -> None:
    assert unplaced_packages(tree) == [], "add the new package to LAYERS (and the docs)"


def test_the_engines_import_no_django_and_no_app(imports: list[Import]) -> None:
    assert engine_violations(imports) == []


def test_lib_imports_no_app(imports: list[Import]) -> None:
    assert lib_violations(imports) == []


def test_apps_use_the_mixing_engine_through_its_public_names(
    tree: Tree, imports: list[Import]
) -> None:
    assert surface_violations(tree, imports) == []


def test_imports_point_down_the_layers(imports: list[Import]) -> None:
    assert layer_violations(imports) == []


def test_only_urls_and_views_import_views(imports: list[Import]) -> None:
    assert views_violations(imports) == []


def test_no_module_imports_private_names_of_another(imports: list[Import]) -> None:
    assert private_violations(imports) == []


def test_no_import_cycle(imports: list[Import]) -> None:
    found = [cycle_edges(imports, group) for group in cycles(imports)]
    assert found == []


# --- The checkers fail on a violation ---------------------------------------------------


def synthetic(sources: Mapping[str, str]) -> Tree:
    packages = {name for name in sources if name.count(".") <= 1}
    return Tree(sources=dict(sources), packages=frozenset(packages))


SYNTHETIC = {
    "tierslien": "",
    "tierslien.lib": "",
    "tierslien.lib.web": "import django.http\nfrom tierslien.accounts import models\n",
    "tierslien.mixing": '__all__ = ["solve"]\nfrom tierslien.mixing.core import solve\n',
    "tierslien.mixing.core": "import django\nfrom tierslien.lib import web\ndef solve(): ...\n",
    "tierslien.accounts": "",
    "tierslien.accounts.models": "def f():\n    from tierslien.circles import models\n",
    "tierslien.circles": "",
    "tierslien.circles.models": "from tierslien.circles import services\n",
    "tierslien.circles.services": (
        "from tierslien import mixing\n"
        "from tierslien.mixing import solve, hidden\n"
        "from tierslien.mixing.core import solve\n"
        "from tierslien.circles.models import X, _helper\n"
        "x: mixing.core.Value\n"
        "def later():\n    from tierslien.circles import views\n"
    ),
    "tierslien.circles.views": "",
    "tierslien.circles.urls": "from tierslien.circles import views\n",
    "tierslien.robots": "",
}
SYNTHETIC_LAYERS = (("lib", "mixing"), ("accounts",), ("circles",))


def test_the_checkers_find_each_violation_of_a_tiny_tree() -> None:
    tree = synthetic(SYNTHETIC)
    found = all_imports(tree)
    assert [v.split(":")[0] for v in engine_violations(found, {"tierslien.mixing": ()})] == [
        "tierslien.mixing.core",
        "tierslien.mixing.core",
    ]
    assert lib_violations(found) == [
        "tierslien.lib.web:2 imports tierslien.accounts.models: lib imports no app"
    ]
    assert surface_violations(tree, found) == [
        "tierslien.circles.services:2 imports tierslien.mixing.hidden: "
        "not in tierslien.mixing.__all__",
        "tierslien.circles.services:3 imports tierslien.mixing.core: "
        "use the public names of tierslien.mixing",
        "tierslien.circles.services:5 uses tierslien.mixing.core: "
        "use the public names of tierslien.mixing",
    ]
    assert unplaced_packages(tree, SYNTHETIC_LAYERS) == ["robots"]
    layered = layer_violations(found, SYNTHETIC_LAYERS)
    assert [v.split(": ")[0] for v in layered] == [
        # inside a function too
        "tierslien.accounts.models:2 imports tierslien.circles.models",
        "tierslien.lib.web:2 imports tierslien.accounts.models",
        "tierslien.mixing.core:2 imports tierslien.lib.web",  # same layer: siblings
    ]
    assert views_violations(found) == [
        "tierslien.circles.services:7 imports tierslien.circles.views: "
        "only urls and views import a views module"
    ]
    assert private_violations(found) == [
        "tierslien.circles.services:4 imports tierslien.circles.models._helper: "
        "a private name of another module"
    ]
    # models <-> services at module level; the function-level import makes no cycle.
    assert cycles(found) == [["tierslien.circles.models", "tierslien.circles.services"]]


def test_a_clean_tiny_tree_passes() -> None:
    tree = synthetic(
        {
            "tierslien": "",
            "tierslien.mixing": '__all__ = ["solve"]\nfrom tierslien.mixing.core import solve\n',
            "tierslien.mixing.core": "import numpy\ndef solve(): ...\n",
            "tierslien.circles": "",
            "tierslien.circles.services": (
                "from tierslien import mixing\nfrom tierslien.mixing import solve\n"
                "x: mixing.Problem\n"
            ),
            "tierslien.circles.urls": "from tierslien.circles import views\n",
            "tierslien.circles.views": "from tierslien.circles import services\n",
        }
    )
    found = all_imports(tree)
    layers = (("mixing",), ("circles",))
    assert engine_violations(found, {"tierslien.mixing": ()}) == []
    assert surface_violations(tree, found) == []
    assert layer_violations(found, layers) == []
    assert views_violations(found) == []
    assert cycles(found) == []


def test_relative_imports_are_resolved() -> None:
    tree = synthetic(
        {
            "tierslien": "",
            "tierslien.circles": "from . import models\n",
            "tierslien.circles.models": "from .services import x\n",
            "tierslien.circles.services": "from ..circles import models\nx = 1\n",
        }
    )
    assert cycles(all_imports(tree)) == [["tierslien.circles.models", "tierslien.circles.services"]]


def test_the_table_plans_may_use_the_mixing_engine_and_nothing_else() -> None:
    tree = synthetic(
        {
            "tierslien": "",
            "tierslien.mixing": "",
            "tierslien.gatherings": "",
            "tierslien.gatherings.models": "",
            "tierslien.gatherings.tables": "",
            "tierslien.gatherings.tables.plan": (
                "from tierslien import mixing\nfrom tierslien.gatherings.tables import seating\n"
                "from django.db import models\nfrom tierslien.gatherings import models\n"
            ),
            "tierslien.gatherings.tables.seating": "",
        }
    )
    assert engine_violations(all_imports(tree)) == [
        "tierslien.gatherings.tables.plan:3 imports django.db: "
        "tierslien.gatherings.tables never imports Django",
        "tierslien.gatherings.tables.plan:4 imports tierslien.gatherings.models: "
        "tierslien.gatherings.tables imports only ('tierslien.mixing',)",
    ]
