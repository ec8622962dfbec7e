"""Benchmark the gradient engine against its peers, as ratios measured in one run.

Times the median of several runs (after one warm-up) of ours and of the peers,
alternating them within each repetition so that all see the same machine load, on a
seeded 4096 x 4096 uint16 image and a seeded 256^3 uint16 volume:

- Sobel components: ``gradient(img, method="sobel")`` against scikit-image
  ``sobel_h`` + ``sobel_v`` (a volume: ``skimage.filters.sobel(vol, axis=k)`` for each
  axis); Sobel magnitude against ``skimage.filters.sobel``.
- Central differences: ``gradient(img)`` against :func:`numpy.gradient` on the same
  uint16 input (numpy converts integers to float64 and works in float64).
- Gaussian derivative, sigma 2 px: ``gradient(f32, method="gaussian", sigma=2)``
  against one :func:`scipy.ndimage.gaussian_filter` call per axis with ``order=1``
  along it, both on a float32 copy of the image so that neither pays a conversion.
- Cubic B-spline derivative: ``gradient(img, method="spline")`` against
  :func:`scipy.ndimage.spline_filter` (float32 output) followed by two
  :func:`scipy.ndimage.correlate1d` passes per component (``[-1, 0, 1] / 2`` and
  ``[1, 4, 1] / 6``), on the same uint16 input.
- The physical floor: Sobel and central differences divided by one
  ``img.astype(np.float32)`` of the same input, timed in the same repetitions.
- Large sigma: the Gaussian at sigma 2, 8 and 16 px on the uint16 image, against the
  kernel's length (taps): the time may grow by no more than the taps.
- The first gradient in a fresh process (a 512 x 512 uint16 Sobel, ``import
  napari_derivatives`` and numba's import included), with numba's disk cache cold (an
  empty ``NUMBA_CACHE_DIR``) and then warm (the same folder, now filled).

It also measures the peak memory each operation allocates beyond its input, with
:mod:`tracemalloc` (numpy reports its buffers to it; the compiled loops allocate
nothing), against the budget "outputs plus one float32 image". It prints a Markdown
table and writes it to the ``## Gradients`` section of ``docs/performance.md``,
leaving any other section of that file alone.

Run with ``python benchmarks/bench_gradients.py`` (``make bench``); ``--quick`` runs
small sizes and prints the section without writing it (to test the script).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy
import skimage
from scipy import ndimage as ndi
from skimage import filters

from _report import (
    Case,
    Peer,
    alternating_medians,
    load_average,
    machine_line,
    memory_rows,
    met,
    speed_rows,
    write_section,
)
from napari_derivatives import gradient, gradient_magnitude
from napari_derivatives._core import compiled
from napari_derivatives._core.kernels import gaussian_radius

SEED = 20240601
SIGMA_PX = 2.0
LARGE_SIGMAS_PX = (2.0, 8.0, 16.0)
FIRST_SHAPE = (512, 512)
WARM_RUNS = 3

# Targets from issue 14 (the engine at the memory floor), for 2-core machines.
SOBEL_MIN_SPEEDUP = 10.0
SOBEL_MAX_FLOOR_RATIO = 2.5
# The magnitude keeps the target of the earlier speed issue: issue 14 names none for it.
MAGNITUDE_MIN_SPEEDUP = 5.0
CENTRAL_MIN_SPEEDUP = 2.0
CENTRAL_MAX_FLOOR_RATIO = 2.0
GAUSSIAN_MIN_SPEEDUP = 8.0
SPLINE_MIN_SPEEDUP = 1.0
WARM_FIRST_MAX_S = 1.0
COLD_FIRST_MAX_S = 10.0

SECTION = "## Gradients"


def make_image(shape: tuple[int, ...]) -> np.ndarray:
    """Return a seeded test image: smooth structure plus noise, in uint16."""
    rng = np.random.default_rng(SEED)
    grids = np.indices(shape, dtype=np.float32)
    structure = 20000.0 + 15000.0 * np.sin(grids[-2] / 97.0) * np.cos(grids[-1] / 61.0)
    noise = rng.normal(0.0, 500.0, size=shape).astype(np.float32)
    return np.clip(structure + noise, 0, 2**16 - 1).astype(np.uint16)


def plane_cases(image: np.ndarray) -> list[Case]:
    """Return the cases on the 2-D image."""
    image_f32 = image.astype(np.float32)
    size = image_f32.nbytes
    copy_name, copy = "one `img.astype(np.float32)`", lambda: image.astype(np.float32)

    def gaussian_peer():
        return tuple(
            ndi.gaussian_filter(image_f32, SIGMA_PX, order=order) for order in ((1, 0), (0, 1))
        )

    def spline_peer():
        coefficients = ndi.spline_filter(image, 3, output=np.float32, mode="mirror")
        difference, smooth = [-0.5, 0.0, 0.5], [1 / 6, 4 / 6, 1 / 6]
        return (
            ndi.correlate1d(ndi.correlate1d(coefficients, difference, axis=0), smooth, axis=1),
            ndi.correlate1d(ndi.correlate1d(coefficients, smooth, axis=0), difference, axis=1),
        )

    sobel_h_v = lambda: (filters.sobel_h(image), filters.sobel_v(image))  # noqa: E731
    return [
        Case(
            "Sobel gx, gy (uint16)",
            lambda: gradient(image, method="sobel"),
            2,
            size,
            [
                Peer("skimage sobel_h + sobel_v", sobel_h_v, SOBEL_MIN_SPEEDUP),
                Peer(copy_name, copy, SOBEL_MAX_FLOOR_RATIO, floor=True),
            ],
        ),
        Case(
            "Sobel magnitude (uint16)",
            lambda: gradient_magnitude(image, method="sobel"),
            1,
            size,
            [Peer("skimage sobel", lambda: filters.sobel(image), MAGNITUDE_MIN_SPEEDUP)],
        ),
        Case(
            "central gx, gy (uint16)",
            lambda: gradient(image),
            2,
            size,
            [
                Peer(
                    "numpy.gradient (works in float64)",
                    lambda: np.gradient(image),
                    CENTRAL_MIN_SPEEDUP,
                ),
                Peer(copy_name, copy, CENTRAL_MAX_FLOOR_RATIO, floor=True),
            ],
        ),
        Case(
            f"Gaussian gx, gy, sigma {SIGMA_PX:g} px (float32)",
            lambda: gradient(image_f32, method="gaussian", sigma=SIGMA_PX),
            2,
            size,
            [Peer("2 x ndimage.gaussian_filter (float32)", gaussian_peer, GAUSSIAN_MIN_SPEEDUP)],
        ),
        Case(
            "spline gx, gy (uint16)",
            lambda: gradient(image, method="spline"),
            2,
            size,
            [
                Peer(
                    "ndimage.spline_filter + 2 x 2 correlate1d (float32)",
                    spline_peer,
                    SPLINE_MIN_SPEEDUP,
                )
            ],
        ),
    ]


def volume_cases(volume: np.ndarray) -> list[Case]:
    """Return the cases on the 3-D volume: Sobel and Gaussian gz, gy, gx."""
    volume_f32 = volume.astype(np.float32)
    size = volume_f32.nbytes
    label = f"{volume.shape[0]}^3"
    orders = ((1, 0, 0), (0, 1, 0), (0, 0, 1))
    return [
        Case(
            f"Sobel gz, gy, gx, {label} (uint16)",
            lambda: gradient(volume, method="sobel"),
            3,
            size,
            [
                Peer(
                    "3 x skimage sobel(vol, axis=k)",
                    lambda: tuple(filters.sobel(volume, axis=k) for k in range(3)),
                    SOBEL_MIN_SPEEDUP,
                ),
                Peer(
                    "one `vol.astype(np.float32)`",
                    lambda: volume.astype(np.float32),
                    SOBEL_MAX_FLOOR_RATIO,
                    floor=True,
                ),
            ],
        ),
        Case(
            f"Gaussian gz, gy, gx, {label}, sigma {SIGMA_PX:g} px (float32)",
            lambda: gradient(volume_f32, method="gaussian", sigma=SIGMA_PX),
            3,
            size,
            [
                Peer(
                    "3 x ndimage.gaussian_filter (float32)",
                    lambda: tuple(
                        ndi.gaussian_filter(volume_f32, SIGMA_PX, order=o) for o in orders
                    ),
                    GAUSSIAN_MIN_SPEEDUP,
                )
            ],
        ),
    ]


def large_sigma_rows(image: np.ndarray, repeats: int) -> list[str]:
    """Time the Gaussian against its kernel's length, the sigmas in turn; return rows."""
    functions = [
        lambda sigma=sigma: gradient(image, method="gaussian", sigma=sigma)
        for sigma in LARGE_SIGMAS_PX
    ]
    times = alternating_medians(functions, repeats)
    rows = []
    previous = None
    for sigma, seconds in zip(LARGE_SIGMAS_PX, times, strict=True):
        taps = 2 * gaussian_radius(sigma) + 1
        per_pixel = seconds / image.size * 1e9
        if previous is None:
            growth = "(reference) | | |"
        else:
            time_ratio, taps_ratio = seconds / previous[1], taps / previous[0]
            growth = f"{time_ratio:.2f}x | {taps_ratio:.2f}x | {met(time_ratio <= taps_ratio)} |"
        rows.append(
            f"| {sigma:g} | {taps} | {seconds * 1e3:.1f} | {per_pixel:.2f} | "
            f"{seconds * 1e3 / taps:.2f} | {growth}"
        )
        print(rows[-1], file=sys.stderr)
        previous = (taps, seconds)
    return rows


# The fresh process: its own clock from before its first import, and what it saw.
FIRST_GRADIENT = f"""
import time
start = time.perf_counter()
import sys
import numpy as np
import napari_derivatives
numba_on_import = "numba" in sys.modules
from napari_derivatives._core import compiled
image = (np.arange({FIRST_SHAPE[0] * FIRST_SHAPE[1]}, dtype=np.uint64) * 2654435761 % 65536)
napari_derivatives.gradient(image.astype(np.uint16).reshape({FIRST_SHAPE}), method="sobel")
print(time.perf_counter() - start, compiled.calls, numba_on_import)
"""


def first_gradient(cache: str) -> tuple[float, float, int, bool]:
    """Run the first gradient in a fresh process with numba's cache in ``cache``.

    Returns the process's wall time (interpreter start to exit), the time inside it
    (imports and the call), the passes the compiled loops ran, and whether ``import
    napari_derivatives`` alone imported numba.
    """
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", FIRST_GRADIENT], env=env, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    inside, calls, numba_on_import = done.stdout.split()
    return wall, float(inside), int(calls), numba_on_import == "True"


def first_gradient_rows() -> list[str]:
    """Time a cold numba cache (an empty folder, not the user's), then warm runs of it."""
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        cold = first_gradient(cache)
        warm = [first_gradient(cache) for _ in range(WARM_RUNS)]
    rows = []
    for label, runs, limit in (
        ("cold: empty `NUMBA_CACHE_DIR`", [cold], COLD_FIRST_MAX_S),
        (f"warm: the same folder (median of {WARM_RUNS})", warm, WARM_FIRST_MAX_S),
    ):
        wall = statistics.median(run[0] for run in runs)
        inside = statistics.median(run[1] for run in runs)
        compiled_ran = all(run[2] > 0 for run in runs)
        numba_early = any(run[3] for run in runs)
        rows.append(
            f"| {label} | {wall:.2f} | {inside:.2f} | < {limit:g} s | {met(wall < limit)} | "
            f"{met(compiled_ran)} | {'yes' if numba_early else 'no'} |"
        )
        print(rows[-1], file=sys.stderr)
    return rows


def engine_line() -> str:
    """Return which engine the rows measured (the compiled loops, unless turned off)."""
    if compiled.calls == 0:
        return "- Engine: the numpy engine (the compiled loops did not run)"
    import numba

    return (
        f"- Engine: the compiled loops (numba {numba.__version__}); "
        "`NAPARI_DERIVATIVES_JIT=0` turns them off"
    )


def run(quick: bool) -> str:
    load = load_average()
    side, edge, repeats = (1024, 64, 2) if quick else (4096, 256, 7)
    image = make_image((side, side))
    volume = make_image((edge, edge, edge))
    cases = plane_cases(image) + volume_cases(volume)
    speed = speed_rows(cases, repeats)
    large = large_sigma_rows(image, repeats)
    memory = memory_rows(cases)
    engine = engine_line()
    first = first_gradient_rows()
    taps = [2 * gaussian_radius(sigma) + 1 for sigma in LARGE_SIGMAS_PX]

    lines = [
        SECTION,
        "",
        "Made by `python benchmarks/bench_gradients.py` (`make bench`), which rewrites this",
        f"section. Medians of {repeats} runs after one warm-up on a seeded {side} x {side} uint16",
        f"image and a seeded {edge}^3 uint16 volume, ours and the peers alternating within",
        "each repetition, so the ratios compare runs under the same load. Absolute times",
        "on a shared machine drift; the ratios are what to compare.",
        "",
        machine_line(load),
        f"- Python {platform.python_version()}, numpy {np.__version__}, scipy "
        f"{scipy.__version__}, scikit-image {skimage.__version__}",
        engine,
        f"- Date: {datetime.date.today().isoformat()}",
        "",
        "### Speed",
        "",
        "| operation | ours (ms) | peer | peer (ms) | ratio | target | met |",
        "|---|---:|---|---:|---:|---:|:---:|",
        *speed,
        "",
        "The ratio is peer/ours (how many times faster ours is), except against one",
        "`astype` copy: there it is ours/copy, how far ours is from the memory floor (the",
        "copy reads the image once and writes one float32 image; Sobel writes two or three).",
        "numpy.gradient converts the uint16 input to float64 and returns float64; ours",
        "returns float32. The Gaussian rows both start from float32 so that neither pays a",
        "conversion (scipy also normalises the derivative of Gaussian differently: same work).",
        "The spline's coefficients are one float32 image beyond the outputs: the prefilter",
        "copies the image once, unpadded, runs its recursion along the first axis in place",
        "over whole rows (the extension past each end in two arrays of 14 rows), and filters",
        "the later axes in place, a block of rows at a time (`_core/spline.py`); then the",
        "engine's 3-tap passes run on them. That image plus the engine's few rows of",
        "buffers per thread (about 0.3 MiB here) is why the spline's memory row exceeds",
        "the budget of outputs plus one image by less than 1 MiB.",
        "",
        "### Large sigma",
        "",
        f"Gaussian gx, gy on the {side} x {side} uint16 image, the three sigmas in turn within",
        "each repetition. Each pass has `2 * int(4 sigma + 0.5) + 1` taps "
        f"({', '.join(map(str, taps))});",
        "the target: from one sigma to the next, the time grows by no more than the taps.",
        "",
        "| sigma (px) | taps | ours (ms) | ns per pixel | ms per tap | time ratio "
        "| taps ratio | met |",
        "|---:|---:|---:|---:|---:|---:|---:|:---:|",
        *large,
        "",
        "### First gradient in a fresh process",
        "",
        "A new Python process imports numpy and `napari_derivatives` and computes a",
        f"{FIRST_SHAPE[0]} x {FIRST_SHAPE[1]} uint16 Sobel gradient; that first call imports",
        "numba and compiles the loop (cold) or reads it from numba's disk cache (warm).",
        "The cold run points `NUMBA_CACHE_DIR` at an empty temporary folder (the user's",
        "cache is left alone), the warm runs at the same folder after it. Wall: the whole",
        "process, interpreter start to exit; inside: from before its first import to the",
        "result. In napari no click waits for this: the widgets load the loops in the",
        "background and the numpy engine serves clicks until then (`_core/compiled.py`).",
        "",
        "| numba cache | wall (s) | inside (s) | target (wall) | met | compiled ran "
        "| numba on import |",
        "|---|---:|---:|---:|:---:|:---:|:---:|",
        *first,
        "",
        "### Peak extra memory",
        "",
        "Peak bytes allocated during the call beyond the input (tracemalloc), results",
        "included; the budget is the outputs plus one float32 image (of the input's size).",
        "",
        "| operation | ours (MiB) | budget (MiB) | met | peer (MiB) |",
        "|---|---:|---:|:---:|---:|",
        *memory,
        "",
        "### How",
        "",
        "The engine (`_core/engine.py`) runs every operator as chains of 1-D passes, one",
        "per axis, over blocks of the first axis of about 512 KiB, which a thread per core",
        "takes from a shared queue. With numba installed the passes are compiled loops",
        "(`_core/compiled.py`), loaded by the first call that needs them (napari's widgets",
        "load them in the background) and kept in numba's disk cache. Planes, stacks of",
        "planes and volumes take the planes' path (`_core/planes.py`): one compiled loop",
        "per chain and block: the pass along y combines the image's rows, read in its own",
        "dtype, into one row (rows near the ends of the axis come from a small ring of",
        "rows extended by `mode`), which is extended along x by `mode`, and the pass along",
        "x writes the output row. In a volume a pass along z comes first, combining rows",
        "along z into each row of a ring the pass along y reads. So the block never exists",
        "as a float32 copy,",
        "there is no scratch or padded image, and each output is written once: the extra",
        "memory is a few rows per worker (and a block per component a magnitude does not",
        "keep). Other chains (1-D images, float16 or big-endian ones, kernels folded onto",
        "a short axis in the mode 'extrapolate') run through the engine's blocks: each",
        "block converted to the",
        "work dtype with its halo rows, each compiled pass reading its input extended",
        "along its own axis by `mode` (`_core/boundary.py`, as scipy's successive 1-D",
        "filters see it). The numpy engine (the same passes as shifted-slice numpy",
        "arithmetic, `_core/correlation.py`) is the fallback where numba is missing, not",
        "loaded yet or turned off (`NAPARI_DERIVATIVES_JIT=0`), with identical values:",
        "both do the same operations in the same order, bit for bit, and the tests",
        "compare them. The compiled loops release the GIL, so the blocks use both cores;",
        "on a loaded machine the second core helps less. Wide integers (32 and 64 bits)",
        "and float64 images are filtered in float64 instead, so that large values keep",
        "their small differences; outputs are float32 either way.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, print only (does not write the page)"
    )
    quick = parser.parse_args().quick
    section = run(quick)
    print(section)
    if not quick:
        write_section(SECTION, section)


if __name__ == "__main__":
    main()
