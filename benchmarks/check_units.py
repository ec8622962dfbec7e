"""Check the units contract on a ramp: every operator returns the slope itself.

On ``I = a*y + b*x + c`` sampled with anisotropic pixels, each method's ``gy``,
``gx`` and magnitude are compared with ``a``, ``b`` and ``hypot(a, b)`` away from
the border, and the largest relative error is printed. The tests assert < 1e-4;
this prints the actual numbers. Usage: ``python benchmarks/check_units.py``.
"""

from __future__ import annotations

import numpy as np

import napari_derivatives as nd

SPACING = (0.5, 2.0)
SLOPES = (3.0, -5.0)  # intensity per physical unit along y and x


def main() -> None:
    """Print the largest relative error of each method on the ramp."""
    y, x = np.mgrid[0:200, 0:220].astype(np.float64)
    a, b = SLOPES
    image = (a * y * SPACING[0] + b * x * SPACING[1] + 1000).astype(np.float32)
    inner = (slice(20, -20),) * 2
    print(f"ramp d/dy = {a}, d/dx = {b} per unit, spacing {SPACING}, float32 input")
    for method in nd.METHODS:
        options = {"method": method, "spacing": SPACING, "sigma": 2.0}
        gy, gx = nd.gradient(image, **options)
        magnitude = nd.gradient_magnitude(image, **options)
        error = max(
            np.abs(gy[inner] / a - 1).max(),
            np.abs(gx[inner] / b - 1).max(),
            np.abs(magnitude[inner] / np.hypot(a, b) - 1).max(),
        )
        print(f"{method:9s} largest relative error {error:.1e}")


if __name__ == "__main__":
    main()
