"""The documentation runs: every code block of README.md and docs/*.md, and every example.

Each page's ```python and ```bash / ```sh / ```console blocks run in page order, in one
temporary folder and one Python namespace per page (a fresh process), so that a block
may use what an earlier one made, as a reader going down the page would. The folder
holds the small files the pages name as the reader's own data (:func:`reader_files`).

Markers, an HTML comment on the line before a block (invisible on the rendered page):

- ``<!-- not run: why -->``: the block is not run (``make test`` itself, a 16 GiB
  benchmark, servers left running).
- ``<!-- output -->`` before a ```text block: what the block before it prints.
- ``<!-- file: NAME -->`` before a ```text block: the first lines of the file NAME
  after the blocks before it ran.

Shown output is compared token by token, numbers to 6 significant digits.

The gallery's scripts (``examples/plot_*.py``) run here too, each in a fresh process,
so that a broken example fails ``make test`` without building the site.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import tifffile
import zarr

from napari_derivatives._napari.sample_data import synthetic_edges

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
RUN = {"python": "python", "bash": "shell", "sh": "shell", "console": "shell"}
FENCE = re.compile(r"^(`{3,})\s*([\w{}-]*)")
MARKER = re.compile(r"^<!--\s*(not run|output|file)\s*:?\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    marker: str | None = None
    argument: str = ""


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown page, with the marker on the line before each."""
    found = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, language = match.groups()
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(fence))
        block = Block(i + 1, language.lower(), "\n".join(lines[i + 1 : end]) + "\n")
        previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = MARKER.match(previous.strip())
        if marker:
            block.marker, block.argument = marker.groups()
        found.append(block)
        i = end + 1
    return found


def shell_commands(block: Block) -> str:
    """A console block's commands are its lines after a ``$`` prompt; others run whole."""
    if block.language != "console":
        return block.code
    return "\n".join(line[2:] for line in block.code.splitlines() if line.startswith("$ "))


_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(nan|inf)$")


def same_text(shown: str, got: str) -> bool:
    """Whether ``got`` is what a page shows, numbers to 6 significant digits."""
    split = re.compile(r"[\s,()\[\]]+")
    want_tokens = [t for t in split.split(shown.strip()) if t]
    got_tokens = [t for t in split.split(got.strip()) if t]
    if len(want_tokens) != len(got_tokens):
        return False
    for want, have in zip(want_tokens, got_tokens, strict=True):
        if _NUMBER.match(want) and _NUMBER.match(have):
            a, b = float(want), float(have)
            if not (math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9) or (a != a and b != b)):
                return False
        elif want != have:
            return False
    return True


def reader_files(folder: Path) -> None:
    """The reader's own data that the pages name: small, so that every block runs fast."""
    image = synthetic_edges((128, 160))
    np.save(folder / "cells.npy", image)
    tifffile.imwrite(folder / "image.tif", image)
    tifffile.imwrite(folder / "cells.tif", image)
    z, y, x = np.mgrid[0:24, 0:64, 0:64]
    volume = (100 + 3 * x + 2 * y + 5 * z).astype(np.uint16)
    array = zarr.create_array(
        str(folder / "volume.zarr"), shape=volume.shape, chunks=(8, 32, 32), dtype="uint16"
    )
    array[:] = volume


DRIVER = textwrap.dedent(
    """
    import contextlib, io, json, subprocess, sys, traceback
    blocks = json.load(open(sys.argv[1]))
    namespace = {"__name__": "__main__"}
    outputs = []
    for number, block in enumerate(blocks):
        if block["kind"] == "python":
            buffer = io.StringIO()
            try:
                with contextlib.redirect_stdout(buffer):
                    exec(compile(block["code"], block["name"], "exec"), namespace)
            except BaseException:
                print(buffer.getvalue())
                traceback.print_exc()
                sys.exit(f"block {number} ({block['name']}) failed")
            outputs.append(buffer.getvalue())
        else:
            run = subprocess.run(["bash", "-euo", "pipefail", "-c", block["code"]],
                                 capture_output=True, text=True)
            if run.returncode:
                sys.exit(f"block {number} ({block['name']}) exited {run.returncode}: "
                         f"{run.stdout}{run.stderr}")
            outputs.append(run.stdout)
    if "napari" in sys.modules:
        sys.modules["napari"].Viewer.close_all()
    json.dump(outputs, open(sys.argv[2], "w"))
    """
)


def environment() -> dict[str, str]:
    env = dict(os.environ, MPLBACKEND="Agg")
    # The command `napari-derivatives` of this environment, and this source tree.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    source = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    return env


def run_page(page: Path, folder: Path) -> None:
    """Run a page's blocks in ``folder`` and check what it shows; fail naming the line."""
    found = blocks(page.read_text(encoding="utf-8"))
    runnable = [b for b in found if b.language in RUN and b.marker != "not run"]
    if not runnable:
        return
    plan = [
        {
            "kind": RUN[b.language],
            "code": b.code if b.language == "python" else shell_commands(b),
            "name": f"{page.name}:{b.line}",
        }
        for b in runnable
    ]
    (folder / "blocks.json").write_text(json.dumps(plan))
    (folder / "driver.py").write_text(DRIVER)
    result = subprocess.run(
        [sys.executable, "driver.py", "blocks.json", "outputs.json"],
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{page.name}: {result.stdout}\n{result.stderr}"
    outputs = dict(
        zip(
            (b.line for b in runnable),
            json.loads((folder / "outputs.json").read_text()),
            strict=True,
        )
    )
    last_output = None
    for block in found:
        if block.line in outputs:
            last_output = outputs[block.line]
        elif block.marker == "output":
            assert last_output is not None, f"{page.name}:{block.line}: no block before"
            assert same_text(block.code, last_output), (
                f"{page.name}:{block.line} shows\n{block.code}but the block before prints\n"
                f"{last_output}"
            )
        elif block.marker == "file":
            shown = block.code.splitlines()
            got = (folder / block.argument).read_text().splitlines()[: len(shown)]
            assert same_text(block.code, "\n".join(got)), (
                f"{page.name}:{block.line} shows the start of {block.argument} as\n"
                f"{block.code}but it is\n" + "\n".join(got)
            )


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_code_block_of_the_page_runs_and_shows_what_it_says(page, tmp_path):
    reader_files(tmp_path)
    run_page(page, tmp_path)


def test_the_runner_finds_a_wrong_output_and_a_failing_block(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "Text.\n\n```python\nprint(2 * 21, 0.1 + 0.2)\n```\n\n<!-- output -->\n"
        "```text\n42 0.3\n```\n\n<!-- not run: a server -->\n```bash\nexit 3\n```\n"
    )
    run_page(page, tmp_path)  # 0.30000000000000004 shows as 0.3
    page.write_text(page.read_text().replace("42 0.3", "41 0.3"))
    with pytest.raises(AssertionError, match=r"page\.md:8 shows"):
        run_page(page, tmp_path)
    page.write_text(page.read_text().replace("<!-- not run: a server -->\n", ""))
    with pytest.raises(AssertionError, match="exited 3"):
        run_page(page, tmp_path)


def test_markers_and_console_prompts_are_read():
    text = (
        "<!-- not run: 16 GiB -->\n```bash\nmake bench\n```\n"
        "```console\n$ napari-derivatives --help\nusage: ...\n```\n"
        "<!-- file: line.csv -->\n```text\nline,distance\n```\n"
    )
    first, second, third = blocks(text)
    assert (first.marker, first.argument, first.language) == ("not run", "16 GiB", "bash")
    assert second.marker is None and shell_commands(second) == "napari-derivatives --help"
    assert (third.marker, third.argument) == ("file", "line.csv")


# The numbers each example prints, as a reader checks them by hand.
EXAMPLE_OUTPUT = {
    "plot_gradient_layers.py": [r"gx on the background: 4\.0\d", r"gy on the background: -?0\.\d"],
    "plot_line_to_csv.py": [
        r"^line,distance_µm,y_px,x_px,y_µm,x_µm,intensity,derivative_per_µm$",
        r"edge at \d+\.\d+ µm",
    ],
    "plot_zarr_lazy.py": [
        r"gx far from the ball: 6\.000 counts per µm",
        r"largest difference from the volume in memory: 0\.0$",
    ],
    "plot_cli_cluster.py": [
        r'"unit": "micrometer"',
        r"largest difference from the Python API: 0\.0$",
    ],
}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_every_gallery_example_runs_and_prints_its_numbers(example, tmp_path):
    result = subprocess.run(
        [sys.executable, str(example)],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for pattern in EXAMPLE_OUTPUT.get(example.name, []):
        assert re.search(pattern, result.stdout, re.MULTILINE), (pattern, result.stdout)
    assert list(tmp_path.iterdir()) == []  # an example writes only to its own temporary folder
