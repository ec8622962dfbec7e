"""Print pip constraints that pin every lower bound pyproject.toml claims.

``make test-oldest`` installs the project with these constraints: each runtime dependency
(``dependencies`` and the ``all`` and ``distributed`` extras) at the oldest version its
``>=`` bound allows, so that the bounds we publish are the ones the tests ran on. pip has
no "lowest" resolution; everything else resolves to the newest version these allow.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

EXTRAS = ("all", "distributed")
_BOUND = re.compile(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^]]*\])?\s*>=\s*([^,;\s]+)\s*$")


def lower_bounds(pyproject: Path) -> dict[str, str]:
    """Return ``{name: version}`` for every ``name>=version`` runtime requirement."""
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in EXTRAS:
        requirements += project["optional-dependencies"][extra]
    bounds = {}
    for requirement in requirements:
        match = _BOUND.match(requirement)
        if match:
            bounds[match.group(1).lower()] = match.group(2)
    return bounds


def main() -> int:
    """Print one ``name==version`` line per lower bound."""
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    for name, version in sorted(lower_bounds(pyproject).items()):
        print(f"{name}=={version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
