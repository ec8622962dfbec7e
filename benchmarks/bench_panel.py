"""Benchmark the latency the Line derivative panel adds to each move of a line.

In a real napari viewer (shown; run it under Xvfb when headless) with a seeded
2048 x 2048 uint16 image, a line about 2800 pixels long, near the diagonal (and a
short one), is moved by assigning ``shapes.data``. Each move is timed from the
assignment until it is on screen: until the end of the window's repaint that shows
napari's canvas with the moved line (without the panel listening), or the panel's
new curves (with it); see :class:`FrameClock`. Moves come in pairs, one without the
panel listening and one with it, back to back; the panel's cost is the median of
the differences within pairs, measured in the same run. The whole moves, until the
event loop is idle again, are compared too.

The peer is what a user would otherwise do for each move, also in this run:
:func:`skimage.measure.profile_line` + :func:`numpy.gradient` + a full
``canvas.draw()`` of a similar two-axes matplotlib figure of the panel's size.

A burst of 20 ``shapes.data`` assignments in one turn of the event loop must cost
one update and one frame of the panel.

It prints a Markdown table and writes it to the ``## Line derivative panel`` section
of ``docs/performance.md``, leaving every other section of that file alone.

Run with ``xvfb-run -a .venv/bin/python benchmarks/bench_panel.py``.
"""

from __future__ import annotations

import datetime
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from qtpy.QtCore import QEvent, QObject
from qtpy.QtWidgets import QApplication, QOpenGLWidget, QWidget
from scipy import ndimage as ndi
from skimage.measure import profile_line

import napari
from _report import load_average, machine_line, write_section
from napari_derivatives._qt.line_derivative import LineDerivativeWidget

SHAPE = (2048, 2048)
SEED = 20240601
PAIRS = 80
WARMUP = 3
BURST = 20
#: Seconds of event processing before each timed move: the previous move's
#: redraws, and the panel catching up when it is connected again, are done.
SETTLE_S = 0.05
LINES = {
    # From near one corner to near the opposite one: 2758 pixels long.
    "long": np.array([[60.0, 40.0], [1990.0, 2010.0]]),
    "short": np.array([[1000.0, 950.0], [1070.0, 1020.0]]),
}
TARGET_MS = 5.0

SECTION = "## Line derivative panel"


def make_image() -> np.ndarray:
    """Return a seeded uint16 image with edges, texture and noise."""
    rng = np.random.default_rng(SEED)
    y, x = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1]].astype(np.float32)
    blobs = ndi.gaussian_filter(rng.standard_normal(SHAPE).astype(np.float32), 12)
    blobs *= 8000 / blobs.std()
    cells = ((np.sin(x / 37) * np.cos(y / 53)) > 0.3).astype(np.float32) * 12000
    image = 20000 + blobs + cells + rng.normal(0, 400, SHAPE).astype(np.float32)
    return np.clip(image, 0, 65535).astype(np.uint16)


def moved(line: np.ndarray, move: int) -> np.ndarray:
    """Shift the line across itself, back and forth: each move goes 6 pixels."""
    shift = 3.0 if move % 2 else -3.0
    return line + np.array([shift, -shift])


def drain(app: QApplication, done: Callable[[], bool] = lambda: True) -> None:
    """Process events until ``done()``, then once more for the paints it posted."""
    app.processEvents()
    deadline = time.perf_counter() + 10.0
    while not done():
        if time.perf_counter() > deadline:
            raise RuntimeError("the panel did not draw within 10 s")
        app.processEvents()
    app.processEvents()


class FrameCounter:
    """The frames a panel's plot put on its canvas since counting began.

    Counted through the plot's ``frame_drawn`` signal: ``frames`` counts full
    redraws and blits, ``redraws`` the full redraws only.
    """

    def __init__(self, plot: Any) -> None:
        self.frames = 0
        self.redraws = 0
        plot.frame_drawn.connect(self.count)

    def count(self, full: bool) -> None:
        """Count one frame, a full redraw if ``full``."""
        self.frames += 1
        self.redraws += bool(full)


class FrameClock(QObject):
    """When each repaint of the window ended, and which of the watched widgets it painted.

    A repaint of the window is Qt's ``UpdateRequest`` to the top-level widget: it
    paints every widget marked dirty into the window and puts the window on screen
    (one composition with napari's OpenGL canvas). The filter delivers that event
    itself, to note when it is over.
    """

    def __init__(
        self, window: QWidget, watched: dict[str, QWidget], counter: FrameCounter | None = None
    ) -> None:
        super().__init__()
        self.window, self.watched, self.counter = window, watched, counter
        #: ``(end time, names painted, panel frame count at the start)`` per repaint.
        self.frames: list[tuple[float, frozenset[str], int]] = []
        self._painted: set[str] = set()
        window.installEventFilter(self)
        for widget in watched.values():
            widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        """Note paints of watched widgets; time the window's repaints."""
        if event.type() == QEvent.Type.Paint:
            for name, widget in self.watched.items():
                if obj is widget:
                    self._painted.add(name)
        elif obj is self.window and event.type() == QEvent.Type.UpdateRequest:
            frames = self.counter.frames if self.counter is not None else 0
            self._painted = set()
            self.window.event(event)
            self.frames.append((time.perf_counter(), frozenset(self._painted), frames))
            return True
        return False

    def on_screen(self, name: str, since: int, frames_above: int = -1) -> float | None:
        """End of the first repaint from ``frames[since:]`` that painted ``name``."""
        for end, painted, frames in self.frames[since:]:
            if name in painted and frames > frames_above:
                return end
        return None


def time_move(app, clocks, shapes, position, counter=None) -> tuple[float, float]:
    """Time one move until it is on screen, and until the event loop is idle.

    Without the panel (``counter`` None), "on screen" is the end of the repaint that
    shows napari's canvas with the moved line; with the panel, of the one that shows
    the panel's new curves, counted by ``counter``, the :class:`FrameCounter` of the
    "plot" clock. ``clocks`` maps "napari" and "plot" to the clock of their window.
    """
    if counter is None:
        clock, since = clocks["napari"], len(clocks["napari"].frames)

        def shown():
            return clock.on_screen("napari", since)
    else:
        clock, since = clocks["plot"], len(clocks["plot"].frames)
        before = counter.frames

        def shown():
            return clock.on_screen("plot", since, before)

    start = time.perf_counter()
    shapes.data = [position]
    drain(app, lambda: shown() is not None)
    idle = time.perf_counter()
    return shown() - start, idle - start


class HandlerTimer:
    """Time the panel's update (sampling, plot, blit) as its posted event runs it."""

    def __init__(self, widget) -> None:
        self.update, self.times = widget.update_profiles, []
        # The posted update event calls the instance's update_profiles: this one.
        widget.update_profiles = self

    def __call__(self) -> None:
        """Run and time one update."""
        start = time.perf_counter()
        self.update()
        self.times.append(time.perf_counter() - start)


def time_line(app, viewer, line, *, floating: bool = False) -> dict:
    """Time pairs of moves, one without the panel listening and one with it.

    The panel stays docked (or floating, in its own window) throughout, so that
    napari's canvas has the same size (and costs the same to paint) in both;
    without it, it is disconnected from the viewer. Every move shifts the line by
    the same distance, and the two moves of a pair follow each other (their order
    alternates), so that each difference compares napari's own work under the
    same load.
    """
    shapes = viewer.add_shapes([line], shape_type="line", name="line")
    widget = LineDerivativeWidget(viewer)
    dock = viewer.window.add_dock_widget(widget, area="right", name="Line derivative")
    widget.shapes.value = shapes
    settle(app, 0.3)
    window = widget.window()
    [canvas] = window.findChildren(QOpenGLWidget)
    if floating:
        size = dock.size()
        dock.setFloating(True)
        dock.resize(size)
        settle(app, 0.3)
    panel_window = widget.window()
    counter = FrameCounter(widget.plot)
    if panel_window is window:
        watched = {"napari": canvas, "plot": widget.plot.canvas}
        clock = FrameClock(window, watched, counter)
        clocks = {"napari": clock, "plot": clock}
    else:
        clocks = {
            "napari": FrameClock(window, {"napari": canvas}),
            "plot": FrameClock(panel_window, {"plot": widget.plot.canvas}, counter),
        }
    handler = HandlerTimer(widget)
    alone, panel, alone_idle, panel_idle, handler_times = [], [], [], [], []
    redraws = 0
    for pair in range(WARMUP + PAIRS):
        times = {}
        for with_panel in (pair % 2 == 0, pair % 2 == 1):
            if with_panel:
                widget.connect_viewer()
            else:
                widget.disconnect_viewer()
            settle(app, SETTLE_S)
            handler.times.clear()
            redraws_before = counter.redraws
            position = moved(line, len(times) + 2 * pair)
            times[with_panel] = time_move(
                app, clocks, shapes, position, counter if with_panel else None
            )
            if with_panel and pair >= WARMUP:
                handler_times += handler.times
                redraws += counter.redraws - redraws_before
        if pair >= WARMUP:
            alone.append(times[False][0])
            panel.append(times[True][0])
            alone_idle.append(times[False][1])
            panel_idle.append(times[True][1])
    for clock in clocks.values():
        clock.window.removeEventFilter(clock)
    if floating:
        dock.setFloating(False)
        settle(app, 0.3)
    size = (widget.plot.canvas.width(), widget.plot.canvas.height())
    viewer.window.remove_dock_widget(widget)
    widget.close()
    viewer.layers.remove(shapes)
    added = np.subtract(panel, alone) * 1e3
    added_idle = np.subtract(panel_idle, alone_idle) * 1e3
    return {
        "length": float(np.linalg.norm(np.diff(line, axis=0))),
        "alone": alone,
        "panel": panel,
        "handler": handler_times,
        "size": size,
        "redraws": redraws,
        "added": float(np.median(added)),
        "added_quartiles": np.percentile(added, [25, 75]).tolist(),
        "added_ci": median_interval(added),
        "added_idle": float(np.median(added_idle)),
    }


def median_interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval of the median (binomial order statistics)."""
    ordered = np.sort(samples)
    count = ordered.size
    # The k-th smallest and largest values bound the median with probability
    # P(k <= Binomial(n, 1/2) < n - k + 1); the normal approximation is ample here.
    half_width = 0.5 * count**0.5 * statistics.NormalDist().inv_cdf(0.5 + level / 2)
    low = max(int(np.floor(count / 2 - half_width)), 0)
    high = min(int(np.ceil(count / 2 + half_width)), count - 1)
    return float(ordered[low]), float(ordered[high])


def settle(app, seconds: float) -> None:
    """Let pending updates, redraws and napari's docking finish."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()


def time_peer(app, image, line, size) -> list[float]:
    """Profile with scikit-image, differentiate, redraw a two-axes figure: per move."""
    figure = Figure(figsize=(4, 4), layout="constrained")
    canvas = FigureCanvasQTAgg(figure)
    canvas.resize(*size)
    canvas.show()
    top = figure.add_subplot(2, 1, 1)
    bottom = figure.add_subplot(2, 1, 2, sharex=top)
    (values_line,) = top.plot([], [])
    (derivative_line,) = bottom.plot([], [])
    app.processEvents()
    times = []
    for move in range(WARMUP + PAIRS):
        start, stop = moved(line, move)
        begin = time.perf_counter()
        values = profile_line(image, start, stop, order=1, mode="reflect")
        distance = np.arange(values.size, dtype=float)
        derivative = np.gradient(values.astype(float), distance)
        values_line.set_data(distance, values)
        derivative_line.set_data(distance, derivative)
        for axes in (top, bottom):
            axes.relim()
            axes.autoscale_view()
        canvas.draw()
        app.processEvents()
        if move >= WARMUP:
            times.append(time.perf_counter() - begin)
    canvas.close()
    return times


def time_burst(app, viewer, line) -> tuple[int, int, int]:
    """Return the panel's updates, frames and full redraws after a burst in one turn."""
    shapes = viewer.add_shapes([line], shape_type="line", name="burst")
    widget = LineDerivativeWidget(viewer)
    viewer.window.add_dock_widget(widget, area="right", name="Line derivative")
    widget.shapes.value = shapes
    settle(app, 0.3)
    handler = HandlerTimer(widget)
    counter = FrameCounter(widget.plot)
    for move in range(BURST):
        shapes.data = [moved(line, move)]
    settle(app, 0.3)
    result = (len(handler.times), counter.frames, counter.redraws)
    viewer.window.remove_dock_widget(widget)
    widget.close()
    viewer.layers.remove(shapes)
    return result


def row_label(name: str, length: float) -> str:
    """``"long, 2758 px"``, or ``"long, 2758 px, panel floating"``."""
    line, *how = name.split(", ")
    return ", ".join([line, f"{length:.0f} px", *(f"panel {word}" for word in how)])


def ms(seconds: list[float]) -> float:
    """Return the median in milliseconds."""
    return statistics.median(seconds) * 1e3


def run() -> str:
    """Run every measurement and return the Markdown section."""
    load = load_average()
    image = make_image()
    viewer = napari.Viewer(show=True)
    app = QApplication.instance()
    viewer.window.resize(1400, 900)
    viewer.add_image(image, name="image")
    drain(app)
    results = {name: time_line(app, viewer, line) for name, line in LINES.items()}
    burst_updates, burst_frames, burst_redraws = time_burst(app, viewer, LINES["long"])
    results["long, floating"] = time_line(app, viewer, LINES["long"], floating=True)
    for name, result in results.items():
        line = LINES[name.split(",")[0]]
        result["peer"] = time_peer(app, image, line, result["size"])
    viewer.close()

    rows = []
    for name, result in results.items():
        added = result["added"]
        low, high = result["added_ci"]
        first, third = result["added_quartiles"]
        handler = ms(result["handler"])
        peer = ms(result["peer"])
        met = added <= TARGET_MS
        rows.append(
            f"| {row_label(name, result['length'])} | {ms(result['alone']):.1f} | "
            f"{ms(result['panel']):.1f} | **{added:.1f}** | {low:.1f} to {high:.1f} | "
            f"{first:.1f} to {third:.1f} | {handler:.1f} | {result['added_idle']:.1f} | "
            f"{result['redraws']} | {'yes' if met else 'NO'} | {peer:.1f} | "
            f"**{peer / max(added, handler):.0f}x** |"
        )
        print(
            f"{name}: line on screen alone {ms(result['alone']):.1f} ms, curves on screen "
            f"{ms(result['panel']):.1f} ms, adds {added:.1f} (95% CI {low:.1f} to "
            f"{high:.1f}), panel update {handler:.1f} ms, idle to idle "
            f"{result['added_idle']:.1f} ms, peer {peer:.1f} ms",
            file=sys.stderr,
        )
    size = results["long"]["size"]
    burst_ok = burst_updates == 1 and burst_frames == 1

    today = datetime.date.today().isoformat()
    lines = [
        SECTION,
        "",
        "Made by `xvfb-run -a .venv/bin/python benchmarks/bench_panel.py`, which rewrites",
        "this section. A shown napari viewer (1400 x 900, Xvfb, software OpenGL) with a",
        f"seeded {SHAPE[0]} x {SHAPE[1]} uint16 image. A line is moved by assigning "
        "`shapes.data`, 6 pixels",
        "across itself each time. Each move is timed until it is on screen: the end of",
        "the window's repaint (Qt's `UpdateRequest`, one composition of the window) that",
        "shows napari's canvas with the moved line, without the panel listening; the end",
        "of the one that shows the panel's new curves, with it. The moves come in",
        f"{PAIRS} pairs (after {WARMUP} warm-up pairs): one move without the panel, one "
        "with it, one",
        f"after the other (the order alternates), each after {SETTLE_S * 1e3:.0f} ms of "
        "event processing.",
        "The panel stays docked (napari's canvas keeps its size) and is disconnected from",
        "the viewer for the moves without it; in the last row it floats, in a window of",
        "its own of the same size.",
        "`panel adds` is the median over the pairs of (curves on screen with the panel -",
        "line on screen without it): the latency the panel adds to a move, with its 95%",
        "confidence interval (order statistics) and quartiles. On this shared 2-core",
        "machine napari's own move varies by +-10 ms from one move to the next, hence the",
        "pairs. `panel update` is the median time of the panel's own update (sampling,",
        "plot, blit), which the difference also holds, with Qt's share of painting it.",
        "`idle to idle` is the median difference of the whole moves, until the event loop",
        "is idle again (napari repaints its layer list after the canvas, in a second",
        "repaint).",
        "The peer is what a user would do for each move:",
        "`skimage.measure.profile_line` + `numpy.gradient` + `canvas.draw()` of a",
        f"two-axes matplotlib figure of the panel's size ({size[0]} x {size[1]} px).",
        "Medians in ms; the ratio is the peer over the larger of the two panel costs;",
        f"`full redraws` counts the moves (of {PAIRS}) that changed the limits, the others",
        "are blits.",
        "",
        machine_line(load),
        f"- Python {platform.python_version()}, napari {napari.__version__}, matplotlib "
        f"{matplotlib.__version__}, numpy {np.__version__}",
        f"- Date: {today}",
        "",
        "| line | line on screen, no panel | curves on screen | panel adds | 95% CI | "
        f"quartiles | panel update | idle to idle | full redraws | <= {TARGET_MS:g} ms | peer | "
        "peer / panel |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|",
        *rows,
        "",
        f"A burst of {BURST} `shapes.data` assignments in one event-loop turn: "
        f"{burst_updates} update, {burst_frames} frame, {burst_redraws} full redraw "
        f"({'met' if burst_ok else 'NOT met'}: at most one of each).",
        "",
        "### How",
        "",
        "The curves are animated `Line2D` artists updated in place. A full redraw of the",
        "figure (ticks, labels, legend, constrained layout: tens of ms) happens only when",
        "the limits must change (with hysteresis), the legend, a label or the hint change,",
        "or on resize or a theme change; it caches the figure without the curves and the",
        "inside of the (opaque) legend. Every other update restores that background and",
        "draws the curves: with bevelled joins (round ones cost a quarter more on noisy",
        "curves), and, for a curve denser than the pixels, through the first, lowest,",
        "highest and last sample of each pixel column only (M4: it looks the same, only",
        "anti-aliased edge pixels differ, and the long line's curves draw in about a",
        "sixth less time). It then asks Qt to repaint the axes with `update()` (the canvas",
        "is marked opaque: it paints every pixel). The update itself is a posted event",
        "of high priority, so it runs before Qt's repaint of the window (a low-priority",
        "event posted when napari redraws the line): the plot is painted in the same",
        "repaint as the moved line, one composition of the OpenGL window, and the curves",
        "reach the screen with the line, not one repaint later (they did before, 20 ms",
        "after it). That costs Qt about 2 ms whatever the area repainted (the same with",
        "an 8 x 8 px update): once a widget must be painted in software in the repaint",
        "of napari's OpenGL canvas, Qt also repaints the widgets around that canvas",
        "(`QWidgetRepaintManager::paintAndFlush` adds the dirty OpenGL widgets to the",
        "region it repaints in software). A floating panel is a window of its own, put on",
        "screen by itself: it is spared that cost. The pixel size of the plane and the",
        "axis labels are kept until the image's transform changes.",
        "The panel updates once per event-loop turn however many events came in, with one",
        "`map_coordinates` call per line on a cached plane; on dask or zarr data only the",
        "chunks under the lines are read, each once.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark, print the section and write it to docs/performance.md."""
    section = run()
    print(section)
    write_section(SECTION, section)


if __name__ == "__main__":
    main()
