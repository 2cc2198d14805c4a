"""The architecture's rules, checked on the source: the layers import downwards only.

docs/architecture.md draws the map; these tests keep it true. Imports inside functions
count (a late import hides a cycle, it does not remove it); imports under
`if TYPE_CHECKING:` do not (they never run).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_threadlesson"
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "lessons" in path.relative_to(PACKAGE).parts:
            continue  # the lessons are data, one module per kata
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(module: str, path: Path) -> set[str]:
    """Every module `module` imports when it runs, resolved to absolute names."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            names.add(prefix)
            names.update(f"{prefix}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {m for m in _imports(name, path) if m in modules and m != name}
            for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_search_finds_a_cycle_it_is_given() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_of_the_package_imports_itself_round_in_a_circle() -> None:
    graph = _graph()
    # a package imports its own submodules only through `__init__`, which would count a
    # package and its child as a cycle: those edges are not layering
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    assert _cycle(graph) is None


def test_the_engine_and_the_curriculum_never_import_pytest() -> None:
    offenders = {name for name, path in _modules().items()
                 if name.startswith(("pytest_threadlesson.engine",
                                     "pytest_threadlesson.curriculum"))
                 and any(m == "pytest" or m.startswith(("pytest.", "_pytest", "pluggy"))
                         for m in _imports(name, path))}
    assert offenders == set()


def test_the_engine_does_not_depend_on_the_pytest_glue() -> None:
    graph = _graph()
    offenders = {(name, m) for name, deps in graph.items()
                 if name.startswith("pytest_threadlesson.engine")
                 for m in deps if m.startswith(("pytest_threadlesson.glue",
                                                "pytest_threadlesson.plugin",
                                                "pytest_threadlesson.curriculum"))}
    assert offenders == set()


@pytest.mark.parametrize("name", sorted(_modules()))
def test_no_module_is_longer_than_a_reader_can_hold(name: str) -> None:
    lines = len(_modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name}: {lines} lines"


def _hooks() -> list[tuple[str, int]]:
    found = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and node.name.startswith("pytest_"):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                first = body[0].lineno if body else node.lineno
                assert node.end_lineno is not None
                found.append((f"{name}.{node.name}", node.end_lineno - first + 1))
    return found


def test_the_hooks_are_found_by_their_names() -> None:
    names = {hook.rpartition(".")[2] for hook, _ in _hooks()}
    assert {"pytest_addoption", "pytest_configure", "pytest_runtest_call"} <= names


@pytest.mark.parametrize(("hook", "lines"), _hooks())
def test_each_hook_is_a_few_lines_that_call_the_engine(hook: str, lines: int) -> None:
    assert lines <= 15, f"{hook}: {lines} lines of body"


def test_every_package_is_in_the_distribution() -> None:
    """An editable install finds a package the list forgets; a wheel would not."""
    # The body is in the else: mypy checks for 3.10, where an `import tomllib` after the skip
    # would be an error (mypy does not see that the skip never returns).
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is 3.11's")
    else:
        import tomllib

        listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
                     ["tool"]["setuptools"]["packages"])
        found = {".".join(p.parent.relative_to(PACKAGE.parent).parts)
                 for p in PACKAGE.rglob("__init__.py")}
        assert found == listed


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _module_aliases(module: str, tree: ast.Module) -> dict[str, str]:
    """The names by which `module` refers to other modules of the package: imported ones
    (`from . import runtime as rt`) and lazy ones (`rt = Lazy("engine.runtime")`)."""
    modules = _modules()
    package = module.rpartition(".")[0] if module in modules else module
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            prefix = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{prefix}.{alias.name}"
                if full in modules:
                    aliases[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules and alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "lazy_modules":
            for keyword in node.keywords:  # lazy_modules(globals(), rt="engine.runtime")
                if keyword.arg and isinstance(keyword.value, ast.Constant) \
                        and isinstance(keyword.value.value, str):
                    aliases[keyword.arg] = f"pytest_threadlesson.{keyword.value.value}"
    return aliases


def _private_reads() -> set[str]:
    found: set[str] = set()
    for module, path in _modules().items():
        tree = ast.parse(path.read_text())
        aliases = _module_aliases(module, tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "")
                                                     .startswith("pytest_threadlesson")):
                found.update(f"{module}: from {node.module} import {alias.name}"
                             for alias in node.names if _is_private(alias.name))
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in aliases and _is_private(node.attr):
                found.add(f"{module}: {aliases[node.value.id]}.{node.attr}")
    return found


def test_no_module_reads_another_modules_private_names() -> None:
    assert _private_reads() == set()


def _private_attributes_by_owner() -> dict[str, set[str]]:
    """`_name` -> the modules whose classes set `self._name`."""
    owners: dict[str, set[str]] = {}
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                    and isinstance(node.value, ast.Name) and node.value.id == "self" \
                    and _is_private(node.attr):
                owners.setdefault(node.attr, set()).add(module)
    return owners


def _standard_library_names() -> set[str]:
    """Private names of the standard library's objects that the plugin patches or reads
    (`Thread._started`, `_thread._count`): theirs, not a module of ours."""
    import _thread
    import threading

    return set(vars(threading.Thread())) | set(dir(threading.Thread)) | set(dir(_thread))


def _private_attribute_reads() -> set[str]:
    """Reads of another module's objects' private attributes (`lock._locked`,
    `getattr(obj, "_created_at")`): state read behind its owner's back. Attributes of the
    standard library's objects (`thread._target`) are not ours to rename, so only names that
    a class of the package sets on `self` count, read by a module that sets none of them."""
    owners = _private_attributes_by_owner()
    for standard in _standard_library_names():
        owners.pop(standard, None)
    found: set[str] = set()
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            name: str | None = None
            if isinstance(node, ast.Attribute) and not (
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                name = node.attr
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("getattr", "hasattr", "setattr") \
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                name = str(node.args[1].value)
            if name and _is_private(name) and name in owners and module not in owners[name]:
                found.add(f"{module}:{getattr(node, 'lineno', 0)}: {name} (owned by "
                          f"{', '.join(sorted(owners[name]))})")
    return found


def test_no_module_reads_another_modules_objects_private_attributes() -> None:
    assert _private_attribute_reads() == set()
