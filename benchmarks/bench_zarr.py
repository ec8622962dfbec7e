"""Time to the first displayed slice of a lazy gradient magnitude of a big zarr volume.

Generates (once) a ``size``-cubed uint16 zarr volume of a cheap synthetic pattern under
``benchmarks/data/`` (git-ignored; 16 GiB uncompressed at the default 2048, far less on
disk), then, in a fresh process per case, opens it lazily as napari's gradient layers do
(dask from zarr, one chunk per plane along the sliced axis), builds the lazy magnitude
and computes the middle slice ``[size // 2]``: with 2D planes (``axes=(1, 2)``, the
widget's default) and with 3D volume gradients. Prints the build time, the time to the
slice, the CPU time of that process until then (all its threads: what a loaded
machine's wall time hides), and its peak resident memory. The engine is loaded before the
clock starts (its compiled loops, read from numba's disk cache, by a gradient of three
512 x 512 planes of the same dtype and options), as in a napari session that has shown a gradient
before. The cases alternate within each of ``--repeat`` rounds; medians are printed.

Usage::

    python benchmarks/bench_zarr.py                      # 2048^3, chunks 64,256,256
    python benchmarks/bench_zarr.py --size 512 --chunks 1,512,512 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"


def generate(path: Path, size: int, chunks: tuple[int, ...]) -> float:
    import zarr

    start = time.perf_counter()
    array = zarr.create_array(
        str(path), shape=(size,) * 3, chunks=chunks, dtype="uint16", overwrite=True
    )
    y, x = np.ogrid[0:size, 0:size]
    base = (x * x + 3 * y * y) % 4096
    for z0 in range(0, size, chunks[0]):
        z = np.arange(z0, min(z0 + chunks[0], size))[:, None, None]
        array[z0 : z0 + z.shape[0]] = ((base + 7 * z * z + 11 * x * z) % 4096).astype(np.uint16)
    return time.perf_counter() - start


def peak_rss_mib() -> float:
    # VmHWM belongs to this process image; ru_maxrss would include the parent's at fork.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: str, axes: list[int] | str | None, method: str) -> dict:
    """Run in a fresh process: open lazily, build the magnitude, compute the middle slice.

    ``axes`` of ``"raw"`` builds no gradient: the slices of the volume itself, which
    is what napari alone pays to show them (the floor for the gradient's slices).
    """
    import dask.array as da

    import napari_derivatives as nd
    from napari_derivatives._napari.intensity import lazy_intensity

    options = {"method": method, "axes": axes, "spacing": (2.0, 0.5, 0.5), "mode": "reflect"}
    if axes != "raw":
        # The engine already loaded: its compiled loops are not what this measures. Three
        # planes of 512 x 512 take the engine's paths of a plane with its halo (a tiny
        # volume does not: its halo is too small a share for the first axis apart).
        nd.gradient_magnitude(np.zeros((3, 512, 512), dtype=np.uint16), **options)
    baseline = peak_rss_mib()
    cpu = time.process_time()
    start = time.perf_counter()
    volume = lazy_intensity(da.from_zarr(path), rgb=False)
    magnitude = volume if axes == "raw" else nd.gradient_magnitude(volume, **options)
    built = time.perf_counter()
    plane = np.asarray(magnitude[volume.shape[0] // 2])
    first = time.perf_counter()
    first_cpu = time.process_time() - cpu
    np.asarray(magnitude[volume.shape[0] // 2 + 1])
    second = time.perf_counter()
    peak = peak_rss_mib()
    return {
        "build_s": built - start,
        "first_slice_s": first - built,
        "first_cpu_s": first_cpu,
        "next_slice_s": second - first,
        "peak_rss_mib": peak,
        "rss_before_mib": baseline,
        "slice_shape": list(plane.shape),
        "slice_mean": float(plane.mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--chunks", default="64,256,256")
    parser.add_argument("--method", default="sobel")
    parser.add_argument("--data-dir", type=Path, default=DATA)
    parser.add_argument("--repeat", type=int, default=5, help="rounds (medians printed)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        path, axes = json.loads(args.measure)
        print(json.dumps(measure(path, axes, args.method)))
        return

    chunks = tuple(int(c) for c in args.chunks.split(","))
    args.data_dir.mkdir(parents=True, exist_ok=True)
    path = args.data_dir / f"volume_{args.size}_{'x'.join(map(str, chunks))}.zarr"
    if not (path / "zarr.json").exists():
        seconds = generate(path, args.size, chunks)
        print(f"generated {path} in {seconds:.1f} s")
    on_disk = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**30
    volume_gib = args.size**3 * 2 / 2**30
    print(
        f"volume {args.size}^3 uint16 = {volume_gib:.2f} GiB, chunks {chunks}, "
        f"{on_disk:.2f} GiB on disk; method {args.method}"
    )
    cases = (("raw slice", "raw"), ("2D planes", [1, 2]), ("3D volume", None))
    runs: dict[str, list[dict]] = {label: [] for label, _ in cases}
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    for _ in range(args.repeat):
        for label, axes in cases:
            result = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--method",
                    args.method,
                    "--measure",
                    json.dumps([str(path), axes]),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            runs[label].append(json.loads(result.stdout))
    print(f"medians of {args.repeat} runs; load average {load} at the start")
    for label, _ in cases:
        numbers = {
            key: statistics.median(run[key] for run in runs[label])
            for key in (
                "build_s",
                "first_slice_s",
                "next_slice_s",
                "first_cpu_s",
                "peak_rss_mib",
                "rss_before_mib",
            )
        }
        total = statistics.median(run["build_s"] + run["first_slice_s"] for run in runs[label])
        print(
            f"{label:9s}: build {numbers['build_s'] * 1e3:6.1f} ms, first slice "
            f"{numbers['first_slice_s']:.3f} s, build + first {total:.3f} s "
            f"(CPU {numbers['first_cpu_s']:.3f} s), next slice "
            f"{numbers['next_slice_s']:.3f} s, peak RSS {numbers['peak_rss_mib']:.0f} MiB "
            f"(before: {numbers['rss_before_mib']:.0f} MiB)"
        )


if __name__ == "__main__":
    main()
