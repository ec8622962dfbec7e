"""The numbers the documentation prints are those its example scripts print today."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def text_blocks(page: Path) -> list[str]:
    return re.findall(r"```text\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.mark.parametrize(
    ("script", "page"),
    [
        ("examples/disk_diameter.py", "docs/tutorial_line_derivative.md"),
        ("examples/kymograph_front.py", "docs/kymograph.md"),
    ],
)
def test_the_page_shows_what_the_example_prints(script, page, tmp_path):
    environment = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    printed = subprocess.run(
        [sys.executable, str(ROOT / script)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
        timeout=300,
    ).stdout
    assert printed in text_blocks(ROOT / page)
