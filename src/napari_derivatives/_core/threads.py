"""The engine's threads: tasks (blocks, strips) on a thread per core, from one pool.

numpy releases the GIL in its loops and the compiled loops run without it (``nogil``),
so the blocks of one call run in parallel on every core the process may use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from functools import cache
from queue import Empty, SimpleQueue
from typing import TypeVar

from .arraytypes import FloatArray

_Task = TypeVar("_Task")

# Below this many pixels, starting threads costs more than it saves (~0.2 ms).
PARALLEL_MIN_PIXELS = 1 << 18


def worker_count(n_blocks: int, n_pixels: int) -> int:
    if n_pixels < PARALLEL_MIN_PIXELS:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, n_blocks))


def in_parallel(
    tasks: list[_Task],
    n_pixels: int,
    buffers: Callable[[], list[FloatArray]],
    run: Callable[[_Task, list[FloatArray]], None],
) -> None:
    """Run every task on a thread per core, each worker with its own ``buffers()``."""

    def work(queue: SimpleQueue[_Task]) -> None:
        own = buffers()
        while True:
            try:
                task = queue.get_nowait()
            except Empty:
                return
            run(task, own)

    # A shared queue, not a fixed share per thread: on a busy machine a core may stall.
    queue: SimpleQueue[_Task] = SimpleQueue()
    for task in tasks:
        queue.put(task)
    # The caller works too, helped by threads of a pool started once (starting threads
    # per call cost ~10 ms each on a loaded machine, more than a block).
    helpers = [_pool().submit(work, queue) for _ in range(worker_count(len(tasks), n_pixels) - 1)]
    try:
        work(queue)
    finally:
        # The queue is empty (or failed): helpers still waiting in the pool have no work.
        for helper in helpers:
            helper.cancel()
        wait(helpers)
    for helper in helpers:
        if not helper.cancelled():
            helper.result()


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(thread_name_prefix="napari-derivatives")
