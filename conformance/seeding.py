"""The generators seeded before every case, so that a failure replays from its printed seed.

As pytest-randomly does: Python's ``random`` and numpy's legacy global generator always; torch's
global generator when torch is already imported (the kit never imports a framework itself); and
every generator a third party registers in the entry point group ``dropout_conformance.seeders``,
each entry point naming a callable that takes the seed (an int below 2**32). The names of what
was seeded go into every reproducer, which calls :func:`seed_generators` itself. Standard library
only (numpy is imported when a case runs, by then it is loaded anyway).
"""

from __future__ import annotations

import functools
import random
import sys
from collections.abc import Callable
from importlib.metadata import entry_points

GROUP = "dropout_conformance.seeders"

BUILTIN = ("random", "numpy.random")
"""What is seeded wherever an implementation runs, the grader's sandbox included."""


class SeederError(Exception):
    """A registered seeder could not be loaded: the message names it and its distribution."""


@functools.cache
def registered() -> tuple[tuple[str, Callable[[int], object]], ...]:
    """The third-party seeders, loaded once per process; raise SeederError naming a broken one."""
    found = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            seeder = ep.load()
        except Exception as exc:  # noqa: BLE001 - any failure of someone else's package
            dist = getattr(ep, "dist", None)
            owner = f" (from {dist.metadata['Name']} {dist.version})" if dist is not None else ""
            raise SeederError(
                f"the seeder {ep.name!r}{owner} in entry point group {GROUP} failed to load: "
                f"{type(exc).__name__}: {exc}; fix or uninstall that package"
            ) from None
        if not callable(seeder):
            raise SeederError(f"the seeder {ep.name!r} in entry point group {GROUP} is not callable: {ep.value}")
        found.append((ep.name, seeder))
    return tuple(found)


def seed_generators(seed: int) -> tuple[str, ...]:
    """Seed every generator an implementation may draw from; return their names, in order."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    names = list(BUILTIN)
    torch = sys.modules.get("torch")
    if torch is not None and callable(getattr(torch, "manual_seed", None)):
        torch.manual_seed(seed)
        names.append("torch")
    for name, seeder in registered():
        seeder(seed)
        names.append(name)
    return tuple(names)
