"""How the served code's rooms measure up (issue 30): sizes and resolver collaborators.

    .venv/bin/python -m tools.house_metrics            # the counts
    .venv/bin/python -m tools.house_metrics --list     # and every offender, named

Read with `ast`, nothing imported or run. It counts, over the served folders (api,
resolvers, workflows, models, storage, rules, kit):

- modules over 250 lines (physical lines of the file);
- functions over 50 lines (a `def`'s first line, decorators excluded, to its last);
- resolvers with three or more collaborators.

A *resolver* is a function decorated with `strawberry.field` or `strawberry.mutation`
(called or bare) in `resolvers/`: every Query and Mutation field and every field with a
resolver of its own on an object type.

A *collaborator* is one distinct object below the GraphQL layer that the resolver uses,
spelled as the context hands it out:

- `<...>.services.<x>`: a service of `workflows.services.Services` (`services.likes`,
  `services.storage`, ...), but not `services.policy`, which is configuration (plain
  values from the settings), not an object that does work;
- `<...>.repos.<x>`: one repository (`repos.videos`, `repos.users`, ...);
- `<...>.context.<x>` for the workflows the context builds itself (`croix_log`,
  `gym_crowd`, `logbook_sync`) and `loaders.<x>` (one DataLoader each).

Not counted: who asks (`viewer_id`, `require_viewer`, `audience()`, `require_moderator`),
which every resolver may read, and `policy`. Local names bound to `info.context`,
`info.context.services` or `info.context.repos` (`services = info.context.services`)
count as what they stand for. Uses are followed through calls to functions defined in
`resolvers/` (a helper such as `with_authors` or `require_terms` brings its own
collaborators to every resolver calling it), to any depth; they are not followed into
methods of the services themselves, which is the point: one call to a workflow is one
collaborator however much the workflow does.
"""

from __future__ import annotations

import argparse
import ast
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SERVED = ("api", "resolvers", "workflows", "models", "storage", "rules", "kit")
MODULE_MAX = 250
FUNCTION_MAX = 50
COLLABORATORS_MAX = 2  # three or more is the smell

_CONTEXT_WORKFLOWS = ("croix_log", "gym_crowd", "logbook_sync")
_NOT_COLLABORATORS = {"services.policy"}
_HOLDERS = ("services", "repos", "loaders")
_ALIASED = ("context", *_HOLDERS)


def _uses(dotted: str) -> set[str]:
    """The collaborators one attribute path names (`info.context.services.repos.users`
    names `repos.users`: the holders `services.repos` / `services.loaders` are not one)."""
    parts = dotted.split(".")
    uses: set[str] = set()
    for holder, attr in itertools.pairwise(parts):
        if holder in _HOLDERS and attr not in _HOLDERS:
            uses.add(f"{holder}.{attr}")
        elif holder == "context" and attr in _CONTEXT_WORKFLOWS:
            uses.add(f"context.{attr}")
    return uses - _NOT_COLLABORATORS


@dataclass
class _Function:
    qualname: str
    path: Path
    line: int
    resolver: bool
    uses: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)  # plain names called


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call):  # info.context.audience().x: not a collaborator path
        return None
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _is_resolver(decorators: list[ast.expr]) -> bool:
    for decorator in decorators:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if _dotted(target) in ("strawberry.field", "strawberry.mutation"):
            return True
    return False


def _collect(path: Path, function: ast.FunctionDef | ast.AsyncFunctionDef, qual: str) -> _Function:
    found = _Function(qual, path, function.lineno, _is_resolver(function.decorator_list))
    aliases: dict[str, str] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], _dotted(node.value)
            if isinstance(target, ast.Name) and value and value.split(".")[-1] in _ALIASED:
                aliases[target.id] = value
    for node in ast.walk(function):
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            if head in aliases:
                dotted = f"{aliases[head]}.{rest}" if rest else aliases[head]
            found.uses |= _uses(dotted)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            found.calls.add(node.func.id)
    return found


def _functions(path: Path, tree: ast.Module) -> Iterator[_Function]:
    def walk(body: list[ast.stmt], prefix: str) -> Iterator[_Function]:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield _collect(path, node, prefix + node.name)
            elif isinstance(node, ast.ClassDef):
                yield from walk(node.body, f"{prefix}{node.name}.")

    yield from walk(tree.body, "")


@dataclass
class Report:
    long_modules: list[tuple[str, int]]
    long_functions: list[tuple[str, int]]
    busy_resolvers: list[tuple[str, list[str]]]


def measure(root: Path) -> Report:
    long_modules: list[tuple[str, int]] = []
    long_functions: list[tuple[str, int]] = []
    helpers: dict[str, list[_Function]] = {}  # resolvers' module-level functions, by name
    resolvers: list[_Function] = []
    for folder in SERVED:
        for path in sorted((root / folder).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            name = str(path.relative_to(root))
            lines = len(source.splitlines())
            if lines > MODULE_MAX:
                long_modules.append((name, lines))
            tree = ast.parse(source, filename=name)
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > FUNCTION_MAX:
                        long_functions.append((f"{name}:{node.lineno} {node.name}", length))
            if folder != "resolvers":
                continue
            for function in _functions(path, tree):
                if function.resolver:
                    resolvers.append(function)
                elif "." not in function.qualname:
                    helpers.setdefault(function.qualname, []).append(function)

    def reach(function: _Function, seen: set[int]) -> set[str]:
        uses = set(function.uses)
        for called in function.calls:
            for helper in helpers.get(called, []):
                if id(helper) not in seen:
                    seen.add(id(helper))
                    uses |= reach(helper, seen)
        return uses

    busy: list[tuple[str, list[str]]] = []
    for resolver in resolvers:
        uses = reach(resolver, set())
        if len(uses) > COLLABORATORS_MAX:
            where = f"{resolver.path.relative_to(root)}:{resolver.line} {resolver.qualname}"
            busy.append((where, sorted(uses)))
    return Report(long_modules, long_functions, busy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="name every offender")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    report = measure(args.root)
    print(f"modules over {MODULE_MAX} lines: {len(report.long_modules)}")
    if args.list:
        for name, lines in report.long_modules:
            print(f"  {name} ({lines})")
    print(f"functions over {FUNCTION_MAX} lines: {len(report.long_functions)}")
    if args.list:
        for name, lines in report.long_functions:
            print(f"  {name} ({lines})")
    print(f"resolvers with {COLLABORATORS_MAX + 1}+ collaborators: {len(report.busy_resolvers)}")
    if args.list:
        for name, uses in report.busy_resolvers:
            print(f"  {name}: {', '.join(uses)}")


if __name__ == "__main__":
    main()
