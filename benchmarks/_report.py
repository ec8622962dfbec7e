"""What the benchmark scripts share: timing, memory, the machine, docs/performance.md.

Each benchmark rewrites only its own ``## `` section of the performance page, so
they can be run independently and in any order.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
MEBIBYTE = 2**20


def cpu_model() -> str:
    """Return the CPU's model name, from /proc/cpuinfo where there is one."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.MULTILINE)
    return match.group(1).strip() if match else "unknown"


def cpu_count() -> int:
    """Return the number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine_line(load: str) -> str:
    """Return the Markdown bullet that describes the machine and its load.

    Parameters
    ----------
    load : str
        The load averages, read when the benchmark started.

    Returns
    -------
    str
        ``- Machine: ...``.
    """
    return (
        f"- Machine: {cpu_count()} CPUs ({cpu_model()}), {platform.system()} "
        f"{platform.machine()}, load average {load} at the start"
    )


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages, formatted."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def write_section(heading: str, section: str, path: Path = DOC_PATH) -> None:
    """Replace the section under ``heading`` in ``path``, keeping every other section.

    Parameters
    ----------
    heading : str
        The section's heading line, for example ``"## Gradients"``.
    section : str
        The new section, starting with its heading.
    path : Path, optional
        The Markdown file; created if missing.
    """
    text = path.read_text() if path.exists() else "# Performance\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", flags=re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")


def alternating_medians(functions: Sequence[Callable[[], object]], repeats: int) -> list[float]:
    """Return the median seconds of each function, run in turn within each repetition.

    Each runs once first (a warm-up); then every repetition runs all of them one after
    the other, so that they see the same machine load and their ratios compare.
    """
    for function in functions:
        function()
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeats):
        for function, own in zip(functions, times, strict=True):
            start = time.perf_counter()
            function()
            own.append(time.perf_counter() - start)
    return [statistics.median(own) for own in times]


def peak_extra_bytes(function: Callable[[], object]) -> int:
    """Return the peak bytes allocated while ``function`` runs, results included."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    result = function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak - before


@dataclass
class Peer:
    """What ours is compared with: ``peer/ours >= target``, or ``ours/peer <= target``."""

    name: str
    function: Callable[[], object]
    target: float
    floor: bool = False  # the peer is one astype copy: ours/peer, at most the target


@dataclass
class Case:
    """One of our operations, with the peers it is timed against in turn."""

    name: str
    ours: Callable[[], object]
    outputs: int  # float32 outputs of ours, each the size of the input
    image_bytes: int  # one float32 image the size of the input
    peers: list[Peer] = field(default_factory=list)


def met(ok: bool) -> str:
    """Return the table's mark for a target: met or not."""
    return "yes" if ok else "NO"


def speed_rows(cases: list[Case], repeats: int) -> list[str]:
    """Time each case with its peers in turn; return one table row per peer.

    The columns: operation, ours (ms), peer, peer (ms), ratio, target, met.
    """
    rows = []
    for case in cases:
        ours_s, *peers_s = alternating_medians(
            [case.ours, *(peer.function for peer in case.peers)], repeats
        )
        for peer, peer_s in zip(case.peers, peers_s, strict=True):
            if peer.floor:
                ratio, ok = ours_s / peer_s, ours_s / peer_s <= peer.target
                shown, target = f"**{ratio:.1f}x** (ours/copy)", f"<= {peer.target:g}x"
            else:
                ratio, ok = peer_s / ours_s, peer_s / ours_s >= peer.target
                shown, target = f"**{ratio:.1f}x**", f">= {peer.target:g}x"
            rows.append(
                f"| {case.name} | {ours_s * 1e3:.1f} | {peer.name} | {peer_s * 1e3:.1f} | "
                f"{shown} | {target} | {met(ok)} |"
            )
            print(rows[-1], file=sys.stderr)
    return rows


def memory_rows(cases: list[Case]) -> list[str]:
    """Return the peak extra memory of ours and of the first peer, rows of a table.

    The columns: operation, ours (MiB), budget (outputs plus one image), met, peer (MiB).
    """
    rows = []
    for case in cases:
        budget = (case.outputs + 1) * case.image_bytes
        ours_peak, peer_peak = (
            peak_extra_bytes(case.ours),
            peak_extra_bytes(case.peers[0].function),
        )
        rows.append(
            f"| {case.name} | {ours_peak / MEBIBYTE:.1f} | {budget / MEBIBYTE:.0f} | "
            f"{met(ours_peak <= budget)} | {peer_peak / MEBIBYTE:.0f} |"
        )
        print(rows[-1], file=sys.stderr)
    return rows
