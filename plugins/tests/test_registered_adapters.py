"""Both framework adapters are found through the entry point groups, with usable manifests."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from dropout_conformance.checks import cases
from dropout_conformance.expectations import check_coverage, registered_manifest
from dropout_conformance.resolve import GROUP, resolve

ADAPTERS = {"torch": "dropout-torch", "jax": "dropout-jax"}


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_found_through_the_entry_point_group(name: str) -> None:
    (ep,) = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    assert ep.dist is not None and ep.dist.metadata["Name"] == ADAPTERS[name]
    (impl,) = resolve(name)
    assert impl.registered and impl.factory is not None and impl.error is None
    layer = impl(0.5)
    assert hasattr(layer, "forward") and hasattr(layer, "backward")


def test_all_selects_both_adapters_and_the_reference() -> None:
    found = {impl.name: impl for impl in resolve("all")}
    assert {"reference", "torch", "jax"} <= set(found)
    assert all(found[n].error is None for n in ADAPTERS)


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_manifest_ships_with_reasons_and_links(name: str) -> None:
    entries = registered_manifest(name)
    assert entries, f"{name} ships no manifest"
    for entry in entries:
        assert entry.impl == name
        assert len(entry.reason) > 40, entry
        assert entry.link.startswith("https://"), entry
    check_coverage(entries, [name], cases("strict"))  # every entry matches a real check
