"""A kymograph of a zarr stack against a loop of ``skimage.measure.profile_line``.

Writes (once) a 200-frame 512 x 512 uint16 zarr stack chunked (1, 256, 256) under
``benchmarks/data/`` (git-ignored), then times one line across it through every frame:
:func:`napari_derivatives.kymograph` (reads only the chunks under the line, each once)
against the loop a script would write, ``profile_line(stack[t], ...)`` for every frame
(each frame read whole), and the same two on the stack in memory. Prints a Markdown
table and writes it to the ``## Kymograph`` section of ``docs/performance.md``.

Usage::

    python benchmarks/bench_kymograph.py
"""

from __future__ import annotations

import datetime
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import skimage
import zarr
from skimage.measure import profile_line

import napari_derivatives as nd
from _report import load_average, machine_line, write_section

SECTION = "## Kymograph"
DATA = Path(__file__).parent / "data"
SHAPE = (200, 512, 512)
CHUNKS = (1, 256, 256)
START, END = (105.0, 50.0), (300.0, 400.0)  # a diagonal crossing 3 chunks of each frame
REPEATS = 5


def stack_path() -> Path:
    path = DATA / "kymograph_stack.zarr"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        array = zarr.create_array(str(path), shape=SHAPE, chunks=CHUNKS, dtype="uint16")
        y, x = np.ogrid[0 : SHAPE[1], 0 : SHAPE[2]]
        for t in range(SHAPE[0]):
            front = 1000.0 / (1 + np.exp(-(x + 0.5 * y - 150 - 1.5 * t) / 3.0))
            array[t] = (front + (x * 7 + y * 3) % 50).astype(np.uint16)
    return path


def ours(stack) -> np.ndarray:
    path = [[0, *START], [0, *END]]
    return nd.kymograph(stack, path, spacing=(0.5, 0.2, 0.2)).derivative


def peer(stack) -> np.ndarray:
    rows = [
        profile_line(np.asarray(stack[t]), START, END, order=1, mode="reflect")
        for t in range(stack.shape[0])
    ]
    # The same derivative per physical unit, as a script would compute it.
    return np.gradient(np.asarray(rows), 0.2, axis=1)


def paired_medians(first, second) -> tuple[float, float]:
    first(), second()  # warm-up
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(REPEATS):
        for function, record in zip((first, second), times, strict=True):
            start = time.perf_counter()
            function()
            record.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def run() -> str:
    load = load_average()
    on_disk = zarr.open_array(str(stack_path()), mode="r")
    in_memory = on_disk[:]
    # Same samples: profile_line includes both ends, one pixel apart, like step=1.
    np.testing.assert_allclose(
        nd.kymograph(in_memory, [[0, *START], [0, *END]]).values[:, 0],
        [profile_line(frame, START, END, order=1, mode="reflect")[0] for frame in in_memory],
    )
    samples = nd.kymograph(in_memory[:1], [[0, *START], [0, *END]]).distance.size
    rows = []
    for name, stack in (("zarr on disk, chunks (1, 256, 256)", on_disk), ("numpy", in_memory)):
        ours_s, peer_s = paired_medians(lambda s=stack: ours(s), lambda s=stack: peer(s))
        rows.append(
            f"| {name} | {ours_s * 1e3:.0f} | {peer_s * 1e3:.0f} | **{peer_s / ours_s:.1f}x** |"
        )
        print(f"{name}: ours {ours_s * 1e3:.0f} ms, peer {peer_s * 1e3:.0f} ms", file=sys.stderr)
    lines = [
        SECTION,
        "",
        "Made by `python benchmarks/bench_kymograph.py` (`make bench`), which rewrites this",
        f"section. One line ({START} to {END}, {samples} samples) through the",
        f"{SHAPE[0]} frames of a {SHAPE[1]} x {SHAPE[2]} uint16 stack; medians of {REPEATS} runs",
        "after a warm-up,",
        "ours and the peer alternating. The peer is the loop a script would write:",
        "`np.gradient` of `skimage.measure.profile_line(stack[t], ...)` for every frame.",
        "Both sample the same points (checked); ours also returns the derivative per",
        "physical unit. Absolute times on a shared machine drift; compare the ratios.",
        "",
        machine_line(load),
        f"- Python {platform.python_version()}, numpy {np.__version__}, zarr "
        f"{zarr.__version__}, scikit-image {skimage.__version__}",
        f"- Date: {datetime.date.today().isoformat()}",
        "",
        "| stack | kymograph (ms) | profile_line loop (ms) | ratio loop/ours |",
        "|---|---:|---:|---:|",
        *rows,
        "",
        "### How",
        "",
        "The line's samples are computed once (`_core/paths.py`). On a chunked stack the",
        "chunks under the line are found once (`sampling.footprint`), then read one chunk",
        "along the swept axis at a time (dask in one pass), each chunk once, and every",
        "frame is interpolated from them (`sampling.interpolate`): 3 of the 4 chunks of",
        "each frame here, where the loop reads every frame whole.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    section = run()
    print(section)
    write_section(SECTION, section)


if __name__ == "__main__":
    main()
