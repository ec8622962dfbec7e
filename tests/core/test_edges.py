"""Edges of a profile: positions, slopes on the plotted curve, widths, options, distances."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.special import erf

from napari_derivatives import line_profile

CENTRE = np.array([40.3, 39.6])


def across_edge(kind, width, angle):
    """An edge through CENTRE, normal to ``angle`` (degrees), and a line crossing it there.

    ``kind`` "erf": a step blurred by a Gaussian of sigma ``width`` px; "ramp": intensity
    rising linearly over ``width`` px. Returns the image and the line (60 px, centred).
    """
    y, x = np.mgrid[0:80, 0:80].astype(np.float64)
    normal = np.array([math.sin(math.radians(angle)), math.cos(math.radians(angle))])
    d = (y - CENTRE[0]) * normal[0] + (x - CENTRE[1]) * normal[1]
    if kind == "erf":
        step = 0.5 * (1 + erf(d / (width * math.sqrt(2))))
    else:
        step = np.clip(d / width + 0.5, 0, 1)
    return 10 + 100 * step, np.array([CENTRE - 30 * normal, CENTRE + 30 * normal])


@pytest.mark.parametrize("angle", [0, 17, 30, 45, 60, 90, 135, 200])
@pytest.mark.parametrize("sigma", [3.0, 4.0, 7.0])
def test_erf_step_widths_and_position_in_any_direction(sigma, angle):
    image, path = across_edge("erf", sigma, angle)
    profile = line_profile(image, path)
    [edge] = profile.find_edges()
    assert edge.distance == pytest.approx(30.0, abs=0.05)  # the true step, within 0.05 px
    np.testing.assert_allclose(edge.coords, CENTRE, atol=0.05)
    # FWHM of a Gaussian 2 sqrt(2 ln 2) s; 10-90 % of an erf 2 x 1.28155 s.
    assert edge.fwhm == pytest.approx(2.3548 * sigma, rel=0.03)
    assert edge.rise_width == pytest.approx(2.5631 * sigma, rel=0.03)
    assert edge.intensity == pytest.approx(60.0, abs=0.5)
    assert edge.derivative > 0


@pytest.mark.parametrize("angle", [0, 30, 45, 90, 135])
@pytest.mark.parametrize("width", [2.0, 3.0, 4.0, 5.0, 8.0, 20.0])
def test_ramp_edge_widths(width, angle):
    image, path = across_edge("ramp", width, angle)
    profile = line_profile(image, path)
    [edge] = profile.find_edges()
    assert edge.distance == pytest.approx(30.0, abs=0.05)
    # The model is interpolated from the pixel centres as the samples were, so the
    # corners that interpolation cuts off a narrow ramp are not read as blur.
    assert edge.rise_width == pytest.approx(0.8 * width, rel=0.03)
    assert edge.fwhm == pytest.approx(width, rel=0.03)
    if width >= 4:
        # On the flat top of the derivative: 100 / width per pixel. The plotted curve
        # (central differences of interpolated samples) has no flat top below that:
        # 2 to 3 % low at w = 3, up to 24 % at w = 2; the widths come from the model.
        assert edge.derivative == pytest.approx(100 / width, rel=0.01)


@pytest.mark.parametrize("angle", [0, 90])
@pytest.mark.parametrize("order", [0, 3])
def test_ramp_widths_with_other_orders(order, angle):
    # Nearest-pixel samples are modelled from their pixel as well (the middle of the
    # staircase sat 0.3-0.4 px off before); cubic splines fall back to the samples.
    image, path = across_edge("ramp", 4.0, angle)
    [edge] = line_profile(image, path, order=order).find_edges()
    assert edge.fwhm == pytest.approx(4.0, rel=0.03)
    assert edge.rise_width == pytest.approx(3.2, rel=0.03)
    if order == 0:
        assert edge.distance == pytest.approx(30.0, abs=0.05)


def test_widths_are_physical_and_free_of_smoothing():
    image, path = across_edge("erf", 4.0, 0)
    plain = line_profile(image, path, spacing=0.25).find_edges()[0]
    smoothed = line_profile(image, path, spacing=0.25, smooth=3.0).find_edges()[0]
    assert plain.fwhm == pytest.approx(2.3548 * 4 * 0.25, rel=0.03)
    # Widths are fitted to the values, which are never smoothed (the smoothed derivative
    # only moves the fit's window a little).
    assert smoothed.fwhm == pytest.approx(plain.fwhm, rel=1e-3)
    assert smoothed.distance == pytest.approx(plain.distance, abs=1e-3)


def test_oblique_line_sees_widths_divided_by_sin_phi():
    image, _ = across_edge("erf", 4.0, 0)  # edge along y at x = 39.6
    phi = math.radians(60)  # the line crosses the edge at 60 degrees
    direction = np.array([math.cos(phi), math.sin(phi)])
    path = np.array([CENTRE - 30 * direction, CENTRE + 30 * direction])
    [edge] = line_profile(image, path).find_edges()
    assert edge.fwhm == pytest.approx(2.3548 * 4 / math.sin(phi), rel=0.03)


def test_sharp_step_marker_sits_on_the_curve():
    image = np.tile(np.where(np.arange(30) >= 12, 100.0, 0.0), (3, 1))
    profile = line_profile(image, [[1, 0], [1, 29]])
    [edge] = profile.find_edges()
    assert edge.distance == pytest.approx(11.5, abs=1e-6)
    # Central differences 50, 50 at x = 11, 12: the curve is 50 there, not the 56.25 a
    # parabola through 0, 50, 50, 0 would reach (12.5 % above, as markers used to float).
    assert edge.derivative == pytest.approx(50.0, rel=1e-9)
    assert edge.intensity == pytest.approx(50.0, rel=1e-9)


def band(spacing=1.0):
    """A bright band: rising erf at x = 12.4 by 100, falling at 31.1 by 80 (sigma 3).

    Then a weaker rise at 51.0; edges closer than about 6 sigma pull on each other's fits.
    """
    x = np.arange(70.0)
    row = 50 * erf((x - 12.4) / (3 * math.sqrt(2))) - 40 * erf((x - 31.1) / (3 * math.sqrt(2)))
    row += 20 * (1 + erf((x - 51.0) / (3 * math.sqrt(2))))
    return line_profile(np.tile(row, (3, 1)), [[1, 0], [1, 69]], spacing=spacing)


def test_polarity_threshold_and_selection():
    profile = band()
    strongest = profile.find_edges(count=None)
    assert [round(e.distance, 1) for e in strongest] == [12.4, 31.1, 51.0]
    assert [e.derivative > 0 for e in strongest] == [True, False, True]
    rising = profile.find_edges(count=None, polarity="rising", select="all")
    assert [round(e.distance, 1) for e in rising] == [12.4, 51.0]
    [falling] = profile.find_edges(polarity="falling")
    assert falling.distance == pytest.approx(31.1, abs=0.05) and falling.derivative < 0
    # Peak slopes: 100 / (3 sqrt(2 pi)) = 13.3, 80 / ... = 10.6 and 40 / ... = 5.3.
    assert [round(e.distance, 1) for e in profile.find_edges(select="all", threshold=8)] == [
        12.4,
        31.1,
    ]
    assert profile.find_edges(threshold=20) == []
    assert [round(e.distance, 1) for e in profile.find_edges(2, select="first")] == [12.4, 31.1]
    assert [round(e.distance, 1) for e in profile.find_edges(2, select="last")] == [31.1, 51.0]
    assert len(profile.find_edges(1, select="all")) == 3  # count ignored
    assert [e.distance for e in profile.find_edges()] == [strongest[0].distance]


def test_edge_distances_give_the_band_width_in_physical_units():
    profile = band(spacing=0.5)
    edges = profile.find_edges(2)  # strongest first: rise, fall
    np.testing.assert_allclose(profile.edge_distances(edges), [(31.1 - 12.4) * 0.5], atol=0.03)
    everything = profile.find_edges(select="all")
    np.testing.assert_allclose(
        profile.edge_distances(everything[::-1]), [9.35, 9.95], atol=0.03
    )  # in order along the line whatever the list's order
    assert profile.edge_distances(everything[:1]).shape == (0,)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"count": 0}, "count"),
        ({"threshold": -1.0}, "threshold"),
        ({"threshold": math.nan}, "threshold"),
        ({"polarity": "up"}, "polarity"),
        ({"select": "best"}, "select"),
    ],
)
def test_find_edges_options_are_validated(options, match):
    with pytest.raises(ValueError, match=match):
        band().find_edges(**options)


def test_edge_distances_rejects_what_is_not_an_edge_of_the_profile():
    profile = band()
    with pytest.raises(ValueError, match="edges"):
        profile.edge_distances([1.0, 2.0])
    far = band(spacing=10.0).find_edges()
    with pytest.raises(ValueError, match="edges"):
        profile.edge_distances(far)


def test_a_planes_profile_placed_in_its_stack_still_measures_its_edges():
    # The panel puts a plane's profile back in its stack's coordinates (one more axis than
    # its pixel size): the widths then come from the samples' distances alone (the
    # earlier fit, within 3 % for an erf step of 3 pixels), never from a failing guess of
    # where the samples came from.
    image, path = across_edge("erf", 3.0, 30.0)
    profile = line_profile(image, path, spacing=0.5)
    placed = dataclasses.replace(
        profile, coords=np.column_stack([np.full(len(profile), 4.0), profile.coords])
    )
    (edge,) = placed.find_edges()
    (reference,) = profile.find_edges()
    assert edge.distance == pytest.approx(reference.distance, abs=0.05 * 0.5)
    assert edge.fwhm == pytest.approx(2.3548 * 3.0 * 0.5, rel=0.03)
    assert edge.rise_width == pytest.approx(2.5631 * 3.0 * 0.5, rel=0.03)
