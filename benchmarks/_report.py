"""What the benchmark scripts share: the machine they ran on, and docs/performance.md.

Each benchmark rewrites only its own ``## `` section of the performance page, so
they can be run independently and in any order.
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


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
