"""No import cycles between portal modules at import time. A package imports its views, CLI and
services inside `init_app` (run once the app exists), never at module top: `import portal.search`
must not pull in the procedures search that itself imports `portal.search`.

Only module-level imports count (imports inside functions run later, on a loaded module); the
parent packages an import runs count too, except a module's own parents, which are always
imported before it."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PORTAL.rglob("*.py"):
        parts = list(path.relative_to(PORTAL.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _top_level(tree: ast.AST):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            continue
        yield node
        yield from _top_level(node)


@cache
def _portal_graph() -> dict[str, set[str]]:
    return _graph(_modules())


def _graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    def runs(name: str) -> set[str]:  # `import a.b.c` runs a, a.b and a.b.c
        parts = name.split(".")
        return {m for i in range(1, len(parts) + 1) if (m := ".".join(parts[:i])) in modules}

    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in _top_level(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    edges |= runs(alias.name)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                edges |= runs(base)
                for alias in node.names:
                    edges |= runs(f"{base}.{alias.name}")
        graph[name] = {m for m in edges if m != name and not name.startswith(m + ".")}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()
    for start in sorted(graph):
        path, on_path = [], set()
        stack = [(start, iter(sorted(graph[start])))]
        if start in done:
            continue
        path.append(start)
        on_path.add(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                done.add(path.pop())
                on_path.discard(node)
            elif child in on_path:
                return [*path[path.index(child) :], child]
            elif child not in done:
                stack.append((child, iter(sorted(graph[child]))))
                path.append(child)
                on_path.add(child)
    return None


def test_no_module_imports_itself_back_at_import_time():
    assert _cycle(_portal_graph()) is None


def test_packages_register_their_cli_inside_init_app():
    graph = _portal_graph()
    for package in ("portal.search", "portal.designer", "portal.procedures"):
        assert f"{package}.cli" not in graph[package], package
