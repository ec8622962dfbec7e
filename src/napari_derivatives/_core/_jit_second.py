"""The second order's compiled loops (numba), imported only by :mod:`.compiled`.

:func:`structure_slices` computes the structure tensor and what is made of it for a
range of slices of a volume ``(Z, Y, X)`` in one loop: each source slice is read once
into a ring (converted to the work dtype, extended along z by the mode), the Gaussian
gradient of a slice goes into a second ring, and each output slice is the window's
passes over the products of the gradients, then its eigenvalues, orientation and
coherence, pixel by pixel. A plane is the volume ``(Y, 1, X)``: its slices are rows.
Nothing but the outputs is written to memory outside the rings: no gradient image, no
product image. The passes do the numpy engine's arithmetic, operation by operation and
in its order (centre tap first, then pairs of taps from the outermost, zero weights
skipped; no fused multiply-add), so the tensor is identical bit for bit to the numpy
engine's; the eigenvalues, orientation and coherence are the closed forms of
:mod:`.eigen`, per pixel, whose transcendental functions may differ from numpy's in
the last bit.

:func:`hessian_slices` does the same for the Gaussian Hessian of a volume: the passes
along z of order 0, 1 and 2 are made once per slice and shared by the components, then
each component's passes along y and x, the Laplacian and the eigenvalues.
:func:`eigenvalues_2x2` and :func:`eigenvalues_3x3` are :mod:`.eigen`'s closed forms
on flat blocks (the engine's per-block eigenvalues). The passes are
:mod:`._jit_passes`'.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._jit_blocks import loop as _jit
from ._jit_passes import (
    extend,
    extend_rows,
    f32,
    hypot,
    load_slice,
    pass_ring,
    pass_x,
    pass_y,
)

_HALF = np.float32(0.5)
_TWO = np.float32(2.0)
_ONE = np.float32(1.0)
_ZERO = np.float32(0.0)
_THIRD = np.float32(1.0 / 3.0)
_SIXTH = np.float32(1.0 / 6.0)
_ROOT3_HALF = math.sqrt(3.0) / 2.0
# 1 / (n (n - 1)): the ratios of successive terms of the cosine's Taylor series.
_C4, _C6, _C8, _C10, _C12, _C14, _C16 = (1.0 / (n * (n - 1)) for n in range(4, 17, 2))
_QUARTER_TURN = np.float32(np.pi / 2)


@_jit
def _eig3(a: Any, d: Any, e: Any, b: Any, f: Any, c: Any) -> tuple[Any, Any, Any]:
    mean = a + b
    mean = mean + c
    mean = mean * _THIRD
    a1 = a - mean
    b1 = b - mean
    c1 = c - mean
    scale = a1 * a1
    scale = scale + b1 * b1
    scale = scale + c1 * c1
    off = d * d
    off = off + e * e
    off = off + f * f
    off = off * _TWO
    scale = scale + off
    scale = scale * _SIXTH
    scale = f32(math.sqrt(scale))
    safe = scale if scale > 0 else _ONE
    a1 = a1 / safe
    b1 = b1 / safe
    c1 = c1 / safe
    d1 = d / safe
    e1 = e / safe
    f1 = f / safe
    cosine = b1 * c1
    cosine = cosine - f1 * f1
    cosine = cosine * a1
    term = d1 * c1
    term = term - f1 * e1
    term = term * d1
    cosine = cosine - term
    term = d1 * f1
    term = term - b1 * e1
    term = term * e1
    cosine = cosine + term
    cosine = cosine * _HALF
    if cosine < -1:
        cosine = -_ONE
    elif cosine > 1:
        cosine = _ONE
    # The angle and its cosines in float64 (one libm call): cos(phi -+ 2 pi / 3) from
    # cos(phi) and sin(phi) = sqrt(1 - cos(phi)**2), phi in [0, pi / 3].
    phi = math.acos(np.float64(cosine)) / 3.0
    cos_phi = _cos_small(phi)
    sin_phi = math.sqrt(max(1.0 - cos_phi * cos_phi, 0.0))
    scale = scale * _TWO
    wide = np.float64(scale)
    first = mean + f32(cos_phi * wide)
    second = mean + f32((_ROOT3_HALF * sin_phi - 0.5 * cos_phi) * wide)
    third = mean + f32((-0.5 * cos_phi - _ROOT3_HALF * sin_phi) * wide)
    return first, second, third


@_jit
def _cos_small(phi: float) -> float:
    """Return cos(phi) for 0 <= phi <= pi / 3 (Taylor to phi**16: error below 1e-13)."""
    square = phi * phi
    total = 1.0 - square * _C16
    total = 1.0 - square * _C14 * total
    total = 1.0 - square * _C12 * total
    total = 1.0 - square * _C10 * total
    total = 1.0 - square * _C8 * total
    total = 1.0 - square * _C6 * total
    total = 1.0 - square * _C4 * total
    return 1.0 - square * 0.5 * total


@_jit
def eigenvalues_2x2(a: Any, b: Any, c: Any, first: Any, second: Any) -> None:
    """Write the eigenvalues of ``[[a, b], [b, c]]`` (flat arrays), largest first."""
    for i in range(first.size):
        mean = (f32(a[i]) + f32(c[i])) * _HALF
        root = hypot((f32(a[i]) - f32(c[i])) * _HALF, f32(b[i]))
        first[i] = mean + root
        second[i] = mean - root


@_jit
def eigenvalues_3x3(
    a: Any, d: Any, e: Any, b: Any, f: Any, c: Any, first: Any, second: Any, third: Any
) -> None:
    """Write the eigenvalues of ``[[a, d, e], [d, b, f], [e, f, c]]`` (flat), descending."""
    for i in range(first.size):
        first[i], second[i], third[i] = _eig3(
            f32(a[i]), f32(d[i]), f32(e[i]), f32(b[i]), f32(f[i]), f32(c[i])
        )


@_jit
def _gradient(
    src: Any, s: int, k: Any, ends: Any, ring: Any, tags: Any, bufs: Any, g: Any
) -> None:
    """Write the Gaussian gradient of slice ``s`` (inside the volume) into ``g`` (dims, Y, X).

    ``k`` holds the kernels (smoothing, derivative) along z, y, x; ``ends`` their
    extension codes; ``bufs`` are (z passes, x line, row of the work dtype).
    """
    gz0, gz1, gy0, gy1, gx0, gx1 = k
    zends, yends, xends = ends
    zbuf, line, tmp = bufs
    rz, ry, rx = gz0.size // 2, gy0.size // 2, gx0.size // 2
    span = ring.shape[0]
    rows, cols = ring.shape[1], ring.shape[2]
    for q in range(s - rz, s + rz + 1):
        slot = q % span
        if tags[slot] != q:
            load_slice(src, q, zends, rz, ring[slot])
            tags[slot] = q
    pass_ring(ring, s, gz0, 1, zbuf[0], ry)
    pass_ring(ring, s, gz1, -1, zbuf[1], ry)
    inner = line[rx : rx + cols]
    if g.shape[0] == 2:
        # A plane's row: d/dz is G1 along z then G0 along x; d/dx G0 then G1.
        for axis in range(2):
            row = zbuf[1 - axis, 0]
            for j in range(cols):
                inner[j] = row[j]
            extend(line, rx, xends)
            pass_x(line, gx1 if axis else gx0, -1 if axis else 1, tmp)
            out = g[axis, 0]
            for j in range(cols):
                out[j] = tmp[j]
        return
    extend_rows(zbuf[0], ry, yends)
    extend_rows(zbuf[1], ry, yends)
    for i in range(rows):
        for axis in range(3):
            # d/dz: G1 z, G0 y, G0 x; d/dy: G0 z, G1 y, G0 x; d/dx: G0 z, G0 y, G1 x.
            source = zbuf[1] if axis == 0 else zbuf[0]
            if axis == 1:
                pass_y(source, i, gy1, -1, inner)
            else:
                pass_y(source, i, gy0, 1, inner)
            extend(line, rx, xends)
            if axis == 2:
                pass_x(line, gx1, -1, tmp)
            else:
                pass_x(line, gx0, 1, tmp)
            out = g[axis, i]
            for j in range(cols):
                out[j] = tmp[j]


@_jit
def _window_z(ring: Any, centre: int, w: Any, dst: Any, top: int) -> None:
    """Smooth every product ``g_i * g_j`` (float32) of the ring's gradients along z.

    Into rows ``top:top + Y`` of ``dst[p]``, ``p`` the products' upper-triangle order.
    Row by row and tap by tap, all the products at once: the gradients' rows are read
    once per tap, not once per product and tap (the same operations per pixel).
    """
    r = w.size // 2
    span = ring.shape[0]
    dims = ring.shape[1]
    n = ring.shape[3]
    c = w[r]
    mid = ring[centre % span]
    for i in range(ring.shape[2]):
        p = 0
        for gi in range(dims):
            for gj in range(gi, dims):
                o = dst[p, top + i]
                a = mid[gi, i]
                b = mid[gj, i]
                for j in range(n):
                    o[j] = (a[j] * b[j]) * c
                p += 1
        for k in range(r, 0, -1):
            wk = w[r + k]
            if wk == 0:
                continue
            minus = ring[(centre - k) % span]
            plus = ring[(centre + k) % span]
            p = 0
            for gi in range(dims):
                for gj in range(gi, dims):
                    o = dst[p, top + i]
                    ma = minus[gi, i]
                    mb = minus[gj, i]
                    pa = plus[gi, i]
                    pb = plus[gj, i]
                    for j in range(n):
                        o[j] = o[j] + (ma[j] * mb[j] + pa[j] * pb[j]) * wk
                    p += 1


@_jit
def _copy_plane(src: Any, dst: Any) -> None:
    """``dst[:] = src`` for two planes, element by element (an array assignment needs NRT)."""
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            dst[i, j] = src[i, j]


@_jit
def structure_slices(
    src: Any,
    z0: int,
    z1: int,
    k: Any,
    ends: Any,
    window: Any,
    window_ends: Any,
    ring: Any,
    tags: Any,
    bufs: Any,
    gring: Any,
    gtags: Any,
    wbufs: Any,
    tensor: Any,
    eig: Any,
    orient: Any,
    coher: Any,
    offset: int,
) -> None:
    """Write the structure tensor of slices ``z0:z1`` of ``src`` and what is made of it.

    ``src`` is ``(Z, Y, X)``; a plane is ``(Y, 1, X)`` (two tensor axes, z and x).
    ``k``/``ends``: the gradient's kernels and extension codes (see :func:`_gradient`);
    ``window``/``window_ends``: the window's along z, y, x. ``ring``/``tags``: the
    source slices read (work dtype); ``gring``/``gtags``: the gradients of the slices
    the window reads (float32, ``(span, dims, Y, X)``); ``wbufs``: the window's z passes
    ``(m, Y + 2 ry, X)`` (rows extended along y), its x line and the tensor of one slice
    ``(m, Y, X)``.
    Outputs of length 0 along their first axis are not written: ``tensor`` (m, Z, Y,
    X), ``eig`` (dims, ...), ``orient`` and ``coher`` (1, ...); slice ``z`` of ``src``
    is slice ``offset + z`` of theirs (a stack's planes as one volume of rows).
    """
    size = src.shape[0]
    dims = gring.shape[1]
    vz, vy, vx = window
    vzends, vyends, vxends = window_ends
    rz, ry, rx = vz.size // 2, vy.size // 2, vx.size // 2
    wz, wline, comp = wbufs
    rows, cols = comp.shape[1], comp.shape[2]
    span = gring.shape[0]
    inner = wline[rx : rx + cols]
    for slot in range(span):
        gtags[slot] = -(1 << 62)
    for slot in range(tags.size):
        tags[slot] = -(1 << 62)
    for z in range(z0, z1):
        for p in range(z - rz, z + rz + 1):
            slot = p % span
            if gtags[slot] == p:
                continue
            actual = p
            if p < 0 or p >= size:
                e = p + rz if p < 0 else rz + p - size
                if vzends[0, e] == 1:
                    gring[slot] = 0
                    gtags[slot] = p
                    continue
                actual = vzends[1, e]
            _gradient(src, actual, k, ends, ring, tags, bufs, gring[slot])
            gtags[slot] = p
        _window_z(gring, z, vz, wz, ry)
        for c in range(comp.shape[0]):
            if dims == 3:
                extend_rows(wz[c], ry, vyends)
            for i in range(rows):
                if dims == 3:
                    pass_y(wz[c], i, vy, 1, inner)
                else:
                    row = wz[c, 0]
                    for j in range(row.size):
                        inner[j] = row[j]
                extend(wline, rx, vxends)
                pass_x(wline, vx, 1, comp[c, i])
        if tensor.shape[0]:
            for c in range(comp.shape[0]):
                _copy_plane(comp[c], tensor[c, offset + z])
        if eig.shape[0] or orient.shape[0] or coher.shape[0]:
            _derived(comp, offset + z, eig, orient, coher)


@_jit
def _derived(comp: Any, z: int, eig: Any, orient: Any, coher: Any) -> None:
    """Eigenvalues, orientation and coherence of one slice's tensor ``comp`` (m, Y, X)."""
    for i in range(comp.shape[1]):
        if comp.shape[0] == 6:
            if eig.shape[0]:
                eigenvalues_3x3(
                    comp[0, i], comp[1, i], comp[2, i], comp[3, i], comp[4, i], comp[5, i],
                    eig[0, z, i], eig[1, z, i], eig[2, z, i],
                )  # fmt: skip
            continue
        a, b, c = comp[0, i], comp[1, i], comp[2, i]
        if eig.shape[0]:
            eigenvalues_2x2(a, b, c, eig[0, z, i], eig[1, z, i])
        if orient.shape[0]:
            angles = orient[0, z, i]
            for j in range(angles.size):
                angle = f32(math.atan2(b[j] * _TWO, c[j] - a[j])) * _HALF
                angles[j] = _QUARTER_TURN if angle <= -_QUARTER_TURN else angle
        if coher.shape[0]:
            ratios = coher[0, z, i]
            for j in range(ratios.size):
                trace = a[j] + c[j]
                spread = hypot(c[j] - a[j], b[j] * _TWO)
                ratio = _ZERO if trace == 0 else spread / trace
                if ratio < 0:
                    ratio = _ZERO
                elif ratio > 1:
                    ratio = _ONE
                ratios[j] = ratio


@_jit
def hessian_slices(
    src: Any,
    z0: int,
    z1: int,
    k: Any,
    ends: Any,
    orders: Any,
    ring: Any,
    tags: Any,
    bufs: Any,
    comp: Any,
    kept: Any,
    where: Any,
    lap: Any,
    eig: Any,
) -> None:
    """Write the Hessian of slices ``z0:z1`` of the volume ``src`` and what is made of it.

    ``k`` holds the Gaussian kernels of order 0, 1, 2 along z, then y, then x (work
    dtype), ``ends`` their extension codes along each axis; ``orders`` the orders
    (z, y, x) of each component of the upper triangle (m x 3). ``ring``/``tags``: the
    source slices read; ``bufs``: the three z passes (rows extended along y), the x
    line and a row of the work dtype; ``comp``: one slice's components (m, Y, X).
    Component ``c`` goes to ``kept[where[c]]`` where ``where[c] >= 0``; ``lap`` (1, Z,
    Y, X) and ``eig`` (3, Z, Y, X) are written unless of length 0.
    """
    zends, yends, xends = ends
    zbuf, line, tmp = bufs
    rz, ry, rx = k[0].size // 2, k[3].size // 2, k[6].size // 2
    span = ring.shape[0]
    rows, cols = ring.shape[1], ring.shape[2]
    inner = line[rx : rx + cols]
    m = orders.shape[0]
    for slot in range(span):
        tags[slot] = -(1 << 62)
    for z in range(z0, z1):
        for q in range(z - rz, z + rz + 1):
            slot = q % span
            if tags[slot] != q:
                load_slice(src, q, zends, rz, ring[slot])
                tags[slot] = q
        for order in range(3):
            for c in range(m):
                if orders[c, 0] == order:
                    pass_ring(ring, z, k[order], -1 if order == 1 else 1, zbuf[order], ry)
                    extend_rows(zbuf[order], ry, yends)
                    break
        for c in range(m):
            oz, oy, ox = orders[c, 0], orders[c, 1], orders[c, 2]
            for i in range(rows):
                pass_y(zbuf[oz], i, k[3 + oy], -1 if oy == 1 else 1, inner)
                extend(line, rx, xends)
                pass_x(line, k[6 + ox], -1 if ox == 1 else 1, tmp)
                out = comp[c, i]
                for j in range(cols):
                    out[j] = tmp[j]
            if where[c] >= 0:
                _copy_plane(comp[c], kept[where[c], z])
        if lap.shape[0]:
            total = lap[0, z]
            first = True
            for c in range(m):
                if orders[c, 0] != 2 and orders[c, 1] != 2 and orders[c, 2] != 2:
                    continue
                if first:
                    _copy_plane(comp[c], total)
                    first = False
                else:
                    for i in range(rows):
                        row = total[i]
                        add = comp[c, i]
                        for j in range(cols):
                            row[j] = row[j] + add[j]
        if eig.shape[0]:
            for i in range(rows):
                eigenvalues_3x3(
                    comp[0, i], comp[1, i], comp[2, i], comp[3, i], comp[4, i], comp[5, i],
                    eig[0, z, i], eig[1, z, i], eig[2, z, i],
                )  # fmt: skip
