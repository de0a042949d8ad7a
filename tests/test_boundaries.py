"""What the pure layers may import from outside recontui (the rest: `lint-imports`).

The contracts in pyproject.toml (`[tool.importlinter]`) forbid; these tests allow: the
engine and the model import the standard library and a short list of pure helpers, and
nothing else, so a new dependency there is a decision someone writes down here.
"""

from __future__ import annotations

import sys

import grimp
import pytest

# Pure helpers (no IO, no clock): fuzzy scores, and fast JSON for digests and the codec.
ALLOWED = {
    "recontui.engine": {"rapidfuzz", "orjson"},
    "recontui.model": {"orjson"},
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("recontui", include_external_packages=True)


def third_party_imports(graph: grimp.ImportGraph, package: str) -> dict[str, set[str]]:
    """external top-level name -> the modules of ``package`` that import it."""
    found: dict[str, set[str]] = {}
    for module in {package, *graph.find_descendants(package)}:
        for imported in graph.find_modules_directly_imported_by(module):
            top = imported.split(".")[0]
            if top == "recontui" or top in sys.stdlib_module_names or top == "__future__":
                continue
            found.setdefault(top, set()).add(module)
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_pure_layers_import_only_the_standard_library_and_pure_helpers(graph, package):
    extra = {
        name: sorted(modules)
        for name, modules in third_party_imports(graph, package).items()
        if name not in ALLOWED[package]
    }
    assert extra == {}, f"{package} imports third-party packages it may not: {extra}"


def test_the_engine_uses_the_helpers_it_is_allowed(graph):
    # The allow-list is not stale: each helper is still imported (else drop it).
    assert set(third_party_imports(graph, "recontui.engine")) == ALLOWED["recontui.engine"]
