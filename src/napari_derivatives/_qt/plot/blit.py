"""The blit cache of the profile plot: the figure without its curves, and putting curves over it.

A full draw of the figure costs tens of milliseconds (ticks, labels, legend,
layout); drawing the curves alone, a millisecond or two. After each full draw
:class:`BlitCache` keeps the pixels of the shown axes without the (animated)
curves, and the inside of the legend's opaque frame. A blit restores them, the
plot draws its curves over them, and only the axes are repainted on screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.transforms import Bbox
from qtpy.QtCore import QRect

#: Pixels around the axes that a blit restores and repaints: edge markers at the
#: axes' edge overhang it.
BLIT_PADDING = 8.0


class BlitCache:
    """The pixels of a canvas that a blit puts back, as the last full draw left them.

    The cache belongs to one renderer of one size: when the canvas is resized or
    gets a new renderer, :meth:`fits` is False and the figure must be drawn in
    full (which saves a new cache) before the next blit.

    Parameters
    ----------
    canvas : FigureCanvasQTAgg
        The canvas whose pixels are cached and repainted.
    """

    def __init__(self, canvas: FigureCanvasQTAgg) -> None:
        self._canvas = canvas
        # The shown axes as last drawn without the curves, and the renderer they came from.
        self._background: list[Any] | None = None
        self._renderer: Any = None
        self._size: tuple[int, int] = (0, 0)
        self._legend: tuple[Patch, list[Any]] | None = None

    def save_background(self, boxes: Sequence[Bbox]) -> None:
        """Keep the regions ``boxes`` (padded) of a full draw, before the curves are drawn.

        Forgets the legend's pixels: :meth:`save_legend` keeps them again once
        the legend is drawn.

        Parameters
        ----------
        boxes : sequence of Bbox
            The display boxes of the shown axes.
        """
        self._renderer = self._canvas.get_renderer()
        self._size = (self._renderer.width, self._renderer.height)
        self._background = [self._canvas.copy_from_bbox(box.padded(BLIT_PADDING)) for box in boxes]
        self._legend = None

    def save_legend(self, frame: Patch, box: Bbox) -> None:
        """Keep the drawn legend's pixels inside its frame, to put back over any curve.

        Laying out the legend's text costs as much as drawing a curve. Its frame
        is opaque, so what is inside does not depend on the curves under it.

        Parameters
        ----------
        frame : matplotlib.patches.Patch
            The legend's (opaque) frame, drawn again by each blit.
        box : Bbox
            The legend's display box.
        """
        # Only what the opaque face covers whole, where no curve can show: the box one
        # pixel in (regions start on whole pixels) less its rounded corners, as two
        # bands. The entries, caps of their lines included, lie ``borderpad`` inside.
        corner = 1.0
        if isinstance(frame, FancyBboxPatch):
            style = frame.get_boxstyle()
            # Round corners of ``rounding_size`` (or ``pad``) times the mutation scale.
            size: float = getattr(style, "rounding_size", None) or getattr(style, "pad", 0) or 0.0
            corner += size * frame.get_mutation_scale()
        x0, y0, x1, y1 = box.extents
        bands = [Bbox([[x0 + 1, y0 + corner], [x1 - 1, y1 - corner]])]
        bands.append(Bbox([[x0 + corner, y0 + 1], [x1 - corner, y1 - 1]]))
        self._legend = (frame, [self._canvas.copy_from_bbox(band) for band in bands])

    @property
    def has_legend(self) -> bool:
        """Whether a blit puts back a legend (else the plot draws the legend itself)."""
        return self._legend is not None

    def fits(self, renderer: Any) -> bool:
        """Tell whether the cache can be blitted with the canvas's current ``renderer``.

        Parameters
        ----------
        renderer : RendererAgg or None
            The canvas's renderer now; ``None`` before its first draw.

        Returns
        -------
        bool
            False before the first full draw, after a resize, or with another renderer.
        """
        return (
            self._background is not None
            and renderer is not None
            and renderer is self._renderer
            and (renderer.width, renderer.height) == self._size
        )

    def restore_background(self) -> None:
        """Put back the axes without their curves; only when :meth:`fits`."""
        for region in self._background or ():
            self._canvas.restore_region(region)

    def restore_legend(self) -> None:
        """Put back the legend over the curves just drawn, if :attr:`has_legend`."""
        if self._legend is not None:
            frame, inside = self._legend
            frame.draw(self._renderer)
            for region in inside:
                self._canvas.restore_region(region)

    def repaint(self, boxes: Sequence[Bbox]) -> None:
        """Ask Qt to repaint the regions ``boxes`` (padded) of the canvas.

        Parameters
        ----------
        boxes : sequence of Bbox
            The display boxes of the shown axes; none repaints nothing.
        """
        if not boxes:
            return
        # Markers at the axes' edge overhang it by a few pixels. update(), not
        # the synchronous repaint() of canvas.blit: Qt then paints it together
        # with napari's canvas, one composition of the window instead of two.
        ratio = self._canvas.device_pixel_ratio
        extents = np.asarray(Bbox.union(boxes).padded(BLIT_PADDING).extents)
        left, bottom, right, top = extents / ratio
        height = self._canvas.rect().height()
        self._canvas.update(
            QRect(
                math.floor(left),
                math.floor(height - top),
                math.ceil(right - left) + 1,
                math.ceil(top - bottom) + 1,
            )
        )


__all__ = ["BLIT_PADDING", "BlitCache"]
