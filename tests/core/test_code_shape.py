"""The shape a newcomer can read (issue 12): small modules, small folders, no import cycles.

import-linter (`make lint`) checks that packages import downwards; this checks what it does
not: module size, folder size, cycles between modules of one package (TYPE_CHECKING imports
included, since a cycle the type checker needs is still a cycle to a reader), and that the
HTTP routes reach the services through the one dependency.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "models", "config")
MAX_LINES = 400
MAX_MODULES_PER_FOLDER = 15


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    assert len(found) > 100, "the check must see the whole source tree"
    return found


def _module_level_imports(tree: ast.Module, name: str, is_package: bool) -> set[str]:
    """Modules imported by statements outside functions (under `if TYPE_CHECKING:` included)."""
    imported: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            imported.add(base)
            imported |= {f"{base}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    pending.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
    return imported


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = _module_level_imports(tree, name, path.name == "__init__.py")
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_is_over_400_lines() -> None:
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules().values()
    }
    assert {p: n for p, n in sizes.items() if n > MAX_LINES} == {}


def test_no_folder_holds_more_than_15_modules() -> None:
    per_folder: dict[str, int] = defaultdict(int)
    for path in _modules().values():
        per_folder[path.parent.relative_to(ROOT).as_posix()] += 1
    assert {f: n for f, n in per_folder.items() if n > MAX_MODULES_PER_FOLDER} == {}


def test_no_import_cycle_between_modules() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_routes_reach_the_services_through_the_dependency() -> None:
    """`services: Services` everywhere, so one dependency override reaches every route."""
    manual = [
        path.relative_to(ROOT).as_posix()
        for path in (*(ROOT / "bot" / "api").rglob("*.py"), *(ROOT / "bot" / "web").rglob("*.py"))
        if "app.state.services" in path.read_text(encoding="utf-8")
    ]
    assert manual == []
