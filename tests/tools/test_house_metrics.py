"""tools.house_metrics counts what its docstring says, on a tree made for the purpose."""

from __future__ import annotations

from pathlib import Path

from tools.house_metrics import SERVED, measure

_RESOLVER = """
import strawberry


async def helper(info):
    return await info.context.repos.users.cards([])


@strawberry.type
class Mutation:
    @strawberry.mutation(name="busy")
    async def busy(self, info) -> bool:
        services = info.context.services
        await services.likes.like()
        await info.context.services.repos.videos.get()
        info.context.policy.blocked_words.check("x", "y")
        await helper(info)
        return True

    @strawberry.mutation
    async def calm(self, info) -> bool:
        await info.context.services.likes.like()
        await info.context.require_moderator()
        return True
"""


def _tree(root: Path, resolver: str, long_module: int, long_function: int) -> None:
    for folder in SERVED:
        (root / folder).mkdir()
    (root / "resolvers" / "area.py").write_text(resolver)
    (root / "models" / "long.py").write_text("x = 1\n" * long_module)
    body = "".join("    y = 1\n" for _ in range(long_function - 1))
    (root / "kit" / "fn.py").write_text(f"def f():\n{body}")


def test_it_names_a_resolver_with_three_collaborators_through_aliases_and_helpers(
    tmp_path: Path,
) -> None:
    _tree(tmp_path, _RESOLVER, long_module=251, long_function=51)
    report = measure(tmp_path)
    assert [name for name, _ in report.busy_resolvers] == ["resolvers/area.py:12 Mutation.busy"]
    # services.policy is configuration, require_moderator who asks: neither counts.
    assert report.busy_resolvers[0][1] == ["repos.users", "repos.videos", "services.likes"]
    assert [name for name, _ in report.long_modules] == ["models/long.py"]
    assert [length for _, length in report.long_functions] == [51]


def test_at_the_limits_nothing_is_named(tmp_path: Path) -> None:
    calm_only = _RESOLVER.replace("await helper(info)", "").replace(
        "await info.context.services.repos.videos.get()", ""
    )
    _tree(tmp_path, calm_only, long_module=250, long_function=50)
    report = measure(tmp_path)
    assert report.busy_resolvers == []
    assert report.long_modules == []
    assert report.long_functions == []
