"""Soak the GUI: thousands of seeded random user actions, each one checked.

The monkey of ``tests/qt/test_monkey.py`` (its driver is ``tests/qt/monkey.py``) run
for longer, outside pytest, going on after a failure. It needs a display; ``make soak``
runs it under ``tools/with-display.sh``::

    tools/with-display.sh .venv/bin/python tools/soak.py --actions 5000 --seed 1

It prints every failure (the seed, the action and the 20 before it) and a summary such
as ``5000 actions, 5212 checks (14321 curve checks, ...), 0 failures``; the exit status
is 1 if anything failed. Warnings are errors, as in pytest (``pyproject.toml``).
"""

from __future__ import annotations

import argparse
import builtins
import sys
import tempfile
import time
import tomllib
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "qt"))


class Bot:
    """What the monkey needs of pytest-qt's ``qtbot``, without pytest."""

    @staticmethod
    def mouseClick(*args, **kwargs):
        """Click a widget: ``QTest.mouseClick``."""
        from qtpy.QtTest import QTest

        QTest.mouseClick(*args, **kwargs)

    @staticmethod
    def waitUntil(callback, *, timeout=5000):
        """Process Qt events until ``callback()`` is true; TimeoutError after ``timeout`` ms."""
        from qtpy.QtTest import QTest

        deadline = time.monotonic() + timeout / 1000
        while not callback():
            if time.monotonic() > deadline:
                raise TimeoutError(f"waitUntil timed out in {timeout} milliseconds")
            QTest.qWait(10)


def warnings_as_in_pytest() -> None:
    """Apply pytest's ``filterwarnings`` of pyproject.toml: errors, but napari's own."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for entry in config["tool"]["pytest"]["ini_options"]["filterwarnings"]:
        action, message, category, module = ([*entry.split(":"), "", "", ""])[:4]
        warnings.filterwarnings(
            action,
            message=message,
            category=getattr(builtins, category) if category else Warning,
            module=module,
        )


def main(argv: list[str] | None = None) -> int:
    """Run the soak; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=5000, help="number of actions")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random actions")
    parser.add_argument("--show", action="store_true", help="show the viewer's window")
    args = parser.parse_args(argv)

    warnings_as_in_pytest()
    import pytest
    from monkey import Monkey

    import napari

    start = time.monotonic()
    viewer = napari.Viewer(show=args.show)
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patches:
        monkey = Monkey(
            viewer,
            Bot(),
            seed=args.seed,
            folder=Path(folder),
            patch=patches.setattr,
            stop_on_failure=False,
        )
        tally = monkey.run(args.actions)
    for failure in tally.failures:
        print(failure, end="\n\n")
    kinds = ", ".join(f"{name[4:]} {n}" for name, n in sorted(tally.kinds.items()))
    print(f"seed {args.seed}, {time.monotonic() - start:.0f} s; actions by kind: {kinds}")
    print(tally.summary(), flush=True)
    viewer.close()
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
