"""Tests of line sampling and the derivative along a line, on hand-checkable images."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import trapezoid  # np.trapezoid needs numpy 2
from scipy.special import erf

from napari_derivatives import Edge, Profile, line_profile, profiles_to_csv
from napari_derivatives._core.paths import sample_path


def ramp(shape=(40, 50), a=3.0, b=-2.0, c=7.0):
    """I = a*y + b*x + c."""
    y, x = np.indices(shape, dtype=float)
    return a * y + b * x + c


def row_image(row, height=9):
    """An image whose every row is ``row``: it varies along x only."""
    return np.tile(np.asarray(row), (height, 1))


# --- sample positions and distances ---------------------------------------------------------


def test_first_and_last_samples_are_the_path_ends_and_intervals_are_equal():
    path = np.array([[1.2, 2.7], [7.2, 10.7]])  # 10 px long
    profile = line_profile(np.zeros((12, 12)), path, step=3.0)
    # ceil(10 / 3) = 4 intervals of 2.5 px
    assert len(profile) == 5
    np.testing.assert_array_equal(profile.coords[0], path[0])
    np.testing.assert_array_equal(profile.coords[-1], path[-1])
    np.testing.assert_allclose(profile.distance, [0.0, 2.5, 5.0, 7.5, 10.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(profile.coords[1], [2.7, 4.7], rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("length", "step", "intervals"),
    [(10.0, 1.0, 10), (10.0, 0.7, 15), (0.9, 0.3, 3), (0.1, 5.0, 1), (math.sqrt(2) * 7, 1.0, 10)],
)
def test_sample_count_is_ceil_of_length_over_step(length, step, intervals):
    path = [[0.0, 0.0], [length / math.sqrt(2), length / math.sqrt(2)]]
    coords = sample_path(path, step)
    assert coords.shape == (intervals + 1, 2)
    gaps = np.linalg.norm(np.diff(coords, axis=0), axis=1)
    assert np.all(gaps <= step * (1 + 1e-12))
    np.testing.assert_allclose(gaps, length / intervals, rtol=1e-12)


def test_polyline_distance_is_the_sum_of_segment_lengths_along_the_path():
    # 3 px right, then 4 px down: 7 px; samples every 1.75 px, one just past the corner.
    path = [[0.0, 0.0], [0.0, 3.0], [4.0, 3.0]]
    profile = line_profile(np.zeros((5, 5)), path, step=2.0)
    np.testing.assert_allclose(profile.distance, [0.0, 1.75, 3.5, 5.25, 7.0], atol=1e-12)
    np.testing.assert_allclose(
        profile.coords, [[0, 0], [0, 1.75], [0.5, 3], [2.25, 3], [4, 3]], atol=1e-12
    )
    # In physical units, with pixels 2 units tall and 1 wide: 3 * 1 + 4 * 2 = 11.
    physical = line_profile(np.zeros((5, 5)), path, step=2.0, spacing=(2.0, 1.0))
    np.testing.assert_allclose(physical.distance, [0.0, 1.75, 4.0, 7.5, 11.0], atol=1e-12)


def test_a_sample_on_a_corner_lands_on_it_and_zero_length_segments_are_skipped():
    path = [[0.0, 0.0], [0.0, 0.0], [0.0, 3.0], [0.0, 3.0], [4.0, 3.0], [4.0, 3.0]]
    profile = line_profile(np.zeros((5, 5)), path)
    assert len(profile) == 8
    np.testing.assert_array_equal(profile.coords[3], [0.0, 3.0])
    np.testing.assert_allclose(profile.distance, np.arange(8.0), atol=1e-12)


# --- values and derivative on ramps ---------------------------------------------------------


def test_diagonal_line_on_a_ramp_has_exact_values_and_directional_derivative():
    a, b, c = 3.0, -2.0, 7.0
    path = np.array([[5.2, 3.1], [30.7, 41.9]])
    profile = line_profile(ramp(a=a, b=b, c=c), path, step=0.8)
    y, x = profile.coords.T
    np.testing.assert_allclose(profile.values, a * y + b * x + c, rtol=1e-12)
    dy, dx = path[1] - path[0]
    expected = (a * dy + b * dx) / math.hypot(dy, dx)
    np.testing.assert_allclose(profile.derivative, expected, rtol=1e-9)


def test_anisotropic_spacing_gives_distance_and_derivative_in_physical_units():
    # 12 px down and 4 px right with pixels 0.5 tall and 2 wide: a 6-8-10 triangle.
    a, b = 3.0, -2.0
    path = [[10.0, 20.0], [22.0, 24.0]]
    profile = line_profile(ramp(a=a, b=b), path, spacing=(0.5, 2.0))
    assert profile.distance[-1] == pytest.approx(10.0, rel=1e-12)
    assert profile.spacing == (0.5, 2.0)
    # The intensity changes by 3 * 12 - 2 * 4 = 28 over 10 units: 2.8 per unit.
    np.testing.assert_allclose(profile.derivative, 2.8, rtol=1e-9)


@pytest.mark.parametrize("order", [1, 3])
@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 135.0, 200.0])
def test_derivative_along_any_direction_is_the_projected_gradient(order, angle):
    a, b = 1.5, 4.0
    theta = math.radians(angle)
    direction = np.array([math.sin(theta), math.cos(theta)])
    centre = np.array([32.0, 32.0])
    path = [centre - 15 * direction, centre + 15 * direction]
    profile = line_profile(ramp((64, 64), a=a, b=b), path, order=order, step=0.7)
    expected = a * direction[0] + b * direction[1]
    # Order 1 is exact; the cubic spline is exact for a ramp up to its boundary
    # padding, whose influence decays as 0.27**n over the 17 px to the border.
    tolerance = 1e-9 if order == 1 else 1e-6
    np.testing.assert_allclose(profile.derivative, expected, rtol=tolerance, atol=tolerance)


def test_reversed_line_gives_reversed_values_and_negated_derivative():
    rng = np.random.default_rng(7)
    image = rng.normal(size=(30, 30))
    path = np.array([[3.3, 4.1], [12.0, 20.5], [25.2, 9.7]])
    forward = line_profile(image, path, step=0.6, width=3)
    backward = line_profile(image, path[::-1], step=0.6, width=3)
    np.testing.assert_allclose(backward.values, forward.values[::-1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        backward.derivative, -forward.derivative[::-1], rtol=1e-9, atol=1e-9
    )


def test_three_dimensional_image_and_one_dimensional_image():
    z, y, x = np.indices((4, 10, 12), dtype=float)
    volume = 100 * z + 10 * y + x
    profile = line_profile(volume, [[2, 1, 1], [2, 1, 9]], width=3)
    # Across the line means along y here, so the mean over y = 0, 1, 2 is y = 1.
    np.testing.assert_allclose(profile.values, 200 + 10 + np.arange(1.0, 10.0))
    np.testing.assert_allclose(profile.derivative, 1.0)
    along_z = line_profile(volume, [[0, 5, 5], [3, 5, 5]])
    np.testing.assert_allclose(along_z.values, [55, 155, 255, 355])
    signal = line_profile(np.array([0.0, 2.0, 8.0]), [[0.0], [2.0]], step=0.5)
    np.testing.assert_allclose(signal.values, [0, 1, 2, 5, 8])


# --- width ----------------------------------------------------------------------------------


@pytest.fixture
def bright_column():
    """Zeros with one bright column, x = 10, of value 90."""
    image = np.zeros((21, 21))
    image[:, 10] = 90.0
    return image


def test_width_one_crossing_a_thin_line_sees_it_at_one_sample(bright_column):
    profile = line_profile(bright_column, [[10, 5], [10, 15]])
    np.testing.assert_array_equal(profile.values, [0, 0, 0, 0, 0, 90, 0, 0, 0, 0, 0])


@pytest.mark.parametrize(
    ("column", "width", "reduce", "expected"),
    [
        (10, 1, "mean", 90.0),
        (10, 3, "mean", 30.0),  # x = 9, 10, 11: one bright pixel of three
        (10, 3, "median", 0.0),
        (10, 3, "max", 90.0),
        (9, 1, "mean", 0.0),  # beside the line
        (9, 3, "mean", 30.0),  # x = 8, 9, 10
        (9, 3, "min", 0.0),
        (10, 2, "mean", 45.0),  # x = 9.5 and 10.5, each half bright
        (10, 5, "max", 90.0),
    ],
)
def test_width_reduces_across_a_line_along_the_bright_column(
    bright_column, column, width, reduce, expected
):
    profile = line_profile(bright_column, [[2, column], [18, column]], width=width, reduce=reduce)
    np.testing.assert_allclose(profile.values, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(profile.derivative, 0.0, atol=1e-12)


def test_width_is_perpendicular_to_the_segment_each_sample_lies_on():
    # I = x. Along y = 2 the three samples across differ in y only: max = x.
    # Down x = 10 they are at x = 9, 10, 11: max = 11 (the corner starts that segment).
    image = row_image(np.arange(20.0), height=20)
    profile = line_profile(image, [[2, 3], [2, 10], [12, 10]], width=3, reduce="max")
    np.testing.assert_allclose(profile.values, [3, 4, 5, 6, 7, 8, 9, *[11] * 11])


def test_width_needs_movement_in_the_last_two_axes():
    volume = np.zeros((5, 6, 6))
    with pytest.raises(ValueError, match="width"):
        line_profile(volume, [[0, 2, 2], [4, 2, 2]], width=3)
    with pytest.raises(ValueError, match="width"):
        line_profile(volume, [[0, 2, 2], [0, 2, 4], [4, 2, 4]], width=2)
    with pytest.raises(ValueError, match="width"):
        line_profile(np.zeros(5), [[0.0], [4.0]], width=3)


# --- integers, interpolation order, outside -------------------------------------------------


@pytest.mark.parametrize(
    ("order", "values", "derivative"),
    [
        # Nearest pixel: a jump and zero elsewhere, the seed question's pitfall.
        (0, [200, 200, 10, 10], [0, -190, -190, 0]),
        # Linear: the ramp between pixel centres 4 and 5.
        (1, [200, 152.5, 57.5, 10], [-95, -142.5, -142.5, -95]),
    ],
)
def test_uint8_step_down_is_negative_without_wrapping(order, values, derivative):
    image = row_image(np.array([200] * 5 + [10] * 5, dtype=np.uint8))
    profile = line_profile(image, [[4, 3.75], [4, 5.25]], step=0.5, order=order)
    np.testing.assert_allclose(profile.coords[:, 1], [3.75, 4.25, 4.75, 5.25])
    np.testing.assert_allclose(profile.values, values)
    np.testing.assert_allclose(profile.derivative, derivative)
    assert profile.values.dtype == np.float64


def test_samples_outside_the_image_are_nan_and_the_half_pixel_border_is_inside():
    image = np.full((5, 5), 3.0)
    profile = line_profile(image, [[2, -2], [2, 6]], step=0.5)
    x = profile.coords[:, 1]
    np.testing.assert_array_equal(np.isnan(profile.values), (x < -0.5) | (x > 4.5))
    assert profile.values[x == -0.5] == 3.0
    assert profile.values[x == 4.5] == 3.0
    # The derivative needs both neighbours: NaN at the first and last samples inside.
    inside = np.flatnonzero(~np.isnan(profile.values))
    assert np.isnan(profile.derivative[inside[[0, -1]]]).all()
    np.testing.assert_array_equal(profile.derivative[inside[1:-1]], 0.0)


def test_a_sample_is_nan_when_any_point_across_it_is_outside():
    image = np.full((5, 5), 3.0)
    on_border = line_profile(image, [[0.5, 1], [0.5, 3]], width=3)  # y = -0.5, 0.5, 1.5
    np.testing.assert_array_equal(on_border.values, 3.0)
    beyond = line_profile(image, [[0.0, 1], [0.0, 3]], width=3)  # y = -1, 0, 1
    assert np.isnan(beyond.values).all()


def test_bool_and_float16_images_are_sampled():
    mask = np.zeros((3, 6), dtype=bool)
    mask[:, 3:] = True
    np.testing.assert_array_equal(line_profile(mask, [[1, 0], [1, 5]]).values, [0, 0, 0, 1, 1, 1])
    half = line_profile(mask.astype(np.float16) * 4, [[1, 2], [1, 3]], step=0.5)
    np.testing.assert_array_equal(half.values, [0, 2, 4])


# --- smoothing ------------------------------------------------------------------------------


def test_smoothing_a_step_lowers_and_widens_the_peak_but_keeps_its_area():
    image = row_image(np.where(np.arange(41) < 20, 0.0, 100.0))
    path = [[4, 0], [4, 40]]
    sharp = line_profile(image, path)
    smooth = line_profile(image, path, smooth=2.0)
    np.testing.assert_array_equal(smooth.values, sharp.values)  # values are never smoothed
    assert sharp.derivative.max() == 50.0  # (100 - 0) / 2 px on either side of the step
    assert smooth.derivative.max() < 0.5 * sharp.derivative.max()
    assert np.count_nonzero(smooth.derivative > 1) > np.count_nonzero(sharp.derivative > 1) + 4
    for profile in (sharp, smooth):
        assert trapezoid(profile.derivative, profile.distance) == pytest.approx(100, rel=1e-9)


@pytest.mark.parametrize(
    ("step", "spacing", "tolerance"),
    [(1.0, 1.0, 0.07), (0.5, 0.2, 0.03), (0.25, 1.0, 0.015), (0.1, 3.0, 0.015)],
)
def test_smooth_is_a_sigma_in_pixels_along_the_line(step, spacing, tolerance):
    # A step of 100 under a Gaussian of sigma 2 px peaks at 100 / (2 sqrt(2 pi)) = 19.9
    # per pixel whatever the sample spacing (were sigma in samples, step 0.1 would peak
    # 10 times higher); per physical unit it is that over the pixel size. Central
    # differences average the derivative over +-1 sample, 6 % low at step 1 px.
    image = row_image(np.where(np.arange(41) < 20, 0.0, 100.0))
    profile = line_profile(image, [[4, 0], [4, 40]], smooth=2.0, step=step, spacing=spacing)
    peak = 100 / (2 * math.sqrt(2 * math.pi)) / spacing
    assert profile.derivative.max() == pytest.approx(peak, rel=tolerance)
    area = trapezoid(profile.derivative, profile.distance)
    assert area == pytest.approx(100, rel=1e-9)


def test_smoothing_does_not_spread_missing_data():
    profile = line_profile(np.full((5, 5), 3.0), [[2, -3], [2, 8]], smooth=3.0)
    finite = np.isfinite(profile.derivative)
    # Only the first and last samples inside lack a neighbour, as without smoothing.
    np.testing.assert_array_equal(
        finite, np.isfinite(line_profile(np.full((5, 5), 3.0), [[2, -3], [2, 8]]).derivative)
    )
    np.testing.assert_allclose(profile.derivative[finite], 0.0, atol=1e-12)


# --- edges ----------------------------------------------------------------------------------


def erf_edge(x, centre, height, sigma=1.5):
    return height / 2 * (1 + erf((x - centre) / (math.sqrt(2) * sigma)))


def test_find_edges_recovers_a_blurred_step_at_a_sub_pixel_position():
    x = np.arange(31.0)
    image = row_image(20 + erf_edge(x, 10.3, 100))
    profile = line_profile(image, [[4, 0], [4, 30]])
    [edge] = profile.find_edges()
    assert isinstance(edge, Edge)
    assert edge.distance == pytest.approx(10.3, abs=0.05)
    np.testing.assert_allclose(edge.coords, [4, 10.3], atol=0.05)
    # The marker sits on the plotted curve (linear between samples): between the central
    # differences (I(x + 1) - I(x - 1)) / 2 at x = 10 and 11, 0.3 of the way.
    differences = [
        25 * (erf((x + 1 - 10.3) / 2.1213) - erf((x - 1 - 10.3) / 2.1213)) for x in (10, 11)
    ]
    assert edge.derivative == pytest.approx(0.7 * differences[0] + 0.3 * differences[1], rel=0.01)
    assert edge.intensity == pytest.approx(20 + 50, rel=0.01)


@pytest.mark.parametrize(("order", "step"), [(1, 0.5), (1, 0.25), (1, 0.1), (3, 0.1), (3, 0.25)])
def test_find_edges_stays_sub_pixel_with_samples_finer_than_pixels(order, step):
    # With linear interpolation the derivative is flat between pixel centres; a fit to
    # adjacent samples would only find the pixel interval (errors up to 0.5 px).
    x = np.arange(31.0)
    for centre in (10.0, 10.3, 10.5, 10.8):
        image = row_image(erf_edge(x, centre, 100))
        [edge] = line_profile(image, [[4, 0], [4, 30]], step=step, order=order).find_edges()
        assert edge.distance == pytest.approx(centre, abs=0.05)


def test_find_edges_on_linear_interpolation_fits_the_pixel_differences():
    # Pixel differences 2, 6, 4 centred at x = 1.5, 2.5, 3.5. Sampled every 0.25 px, the
    # derivative is 6 all along (2, 3): the parabola through (1.5, 2), (2.5, 6), (3.5, 4)
    # peaks at 2.5 + (2 - 4) / (2 (2 - 12 + 4)) = 2.5 + 1/6, at 6 + 1/12.
    image = row_image([0.0, 0.0, 2.0, 8.0, 12.0, 12.0, 12.0])
    profile = line_profile(image, [[4, 0], [4, 6]], step=0.25)
    np.testing.assert_allclose(profile.derivative[9:12], 6.0)
    [edge] = profile.find_edges()
    # The middle of the step fitted to the intensity lies in the steepest pixel interval,
    # where the plotted derivative is 6 (the marker sits on it, not above it).
    assert 2.5 < edge.distance < 3.0
    assert edge.derivative == pytest.approx(6.0, rel=1e-9)


def test_find_edges_sorts_strongest_first_with_sign_and_physical_distance():
    x = np.arange(41.0)
    image = row_image(erf_edge(x, 10.3, 100) - erf_edge(x, 27.6, 160))
    profile = line_profile(image, [[4, 0], [4, 40]], step=0.5, spacing=0.2)
    fall, rise = profile.find_edges(count=5)
    assert fall.distance == pytest.approx(27.6 * 0.2, abs=0.01)
    assert fall.derivative < 0 < rise.derivative
    assert rise.distance == pytest.approx(10.3 * 0.2, abs=0.01)
    # On the plotted curve, within 5 % of the true peak slope 160 / (1.5 sqrt(2 pi)) / 0.2
    # (central differences over two samples lower it).
    curve = np.interp(fall.distance, profile.distance, profile.derivative)
    assert fall.derivative == pytest.approx(curve, rel=1e-12)
    assert abs(fall.derivative) == pytest.approx(
        160 / (1.5 * math.sqrt(2 * math.pi)) / 0.2, rel=0.05
    )
    assert [e.distance for e in profile.find_edges(count=None)[:2]] == [
        fall.distance,
        rise.distance,
    ]
    assert [e.distance for e in profile.find_edges()] == [fall.distance]


def make_profile(derivative, distance=None):
    derivative = np.asarray(derivative, dtype=float)
    distance = np.arange(derivative.size, dtype=float) if distance is None else distance
    coords = np.column_stack([np.zeros_like(distance), 2 * np.asarray(distance)])
    return Profile(distance, coords, np.zeros_like(derivative), derivative)


@pytest.mark.parametrize(
    ("derivative", "distance", "expected"),
    [
        ([0, 1, 3, 1, 0, 0], None, [(2.0, 3.0)]),
        ([0, -1, -3, -1, 0], None, [(2.0, -3.0)]),
        # A run of equal samples: the parabola through its centre and the samples around.
        ([0, 2, 2, 0, 0], None, [(1.5, 2.0)]),
        ([0, 1, 2, 2, 2, 1, 0], None, [(3.0, 2.0)]),
        ([0, 1, 2, 2 + 1e-13, 2, 1, 0], None, [(3.0, 2.0)]),  # equal within rounding
        # Samples of 10 - (d - 2.3)**2 at uneven distances: the parabola's vertex is exact;
        # the slope reported is the plotted curve's there, between 9.36 (1.5) and 9.51 (3).
        (
            [10 - (d - 2.3) ** 2 for d in (0, 1, 1.5, 3, 4)],
            [0, 1, 1.5, 3, 4],
            [(2.3, 9.36 + 0.8 / 1.5 * 0.15)],
        ),
        # Endpoints and samples next to NaN are not edges; NaN is ignored.
        ([9, 5, 1, 0, 2, 0, np.nan, 7, 1, 8], None, [(4.0, 2.0)]),
        ([np.nan, 5, 1, 0, 2, 0], None, [(4.0, 2.0)]),
        ([0, 0, 0, 0], None, []),  # flat
        ([1, 2, 3, 4, 5], None, []),  # monotone
        ([3, 3, 3, 3], None, []),  # a ramp of the values
        ([np.nan] * 4, None, []),
        ([0, 1, 0, 3, 0, 2, 0], None, [(3.0, 3.0), (5.0, 2.0), (1.0, 1.0)]),
    ],
)
def test_find_edges_rules(derivative, distance, expected):
    if distance is not None:
        distance = np.asarray(distance, dtype=float)
    profile = make_profile(derivative, distance)
    edges = profile.find_edges(count=None)
    found = [(e.distance, e.derivative) for e in edges]
    np.testing.assert_allclose(np.reshape(found, (-1, 2)), np.reshape(expected, (-1, 2)))
    for edge in edges:
        np.testing.assert_allclose(edge.coords, [0, 2 * edge.distance])
    assert len(profile.find_edges()) == min(1, len(expected))


@pytest.mark.parametrize("count", [0, -1, 1.5, True])
def test_find_edges_count_is_validated(count):
    with pytest.raises(ValueError, match="count"):
        make_profile([0, 1, 0]).find_edges(count)


# --- the Profile record ---------------------------------------------------------------------


def test_profile_is_frozen_read_only_and_replaceable():
    profile = line_profile(ramp(), [[1, 1], [5, 5]])
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.values = None
    with pytest.raises(ValueError, match="read-only"):
        profile.values[0] = 1.0
    # The napari glue lifts plane coordinates to the full image this way.
    lifted = dataclasses.replace(profile, coords=np.zeros((len(profile), 3)))
    assert lifted.coords.shape == (len(profile), 3)
    assert lifted.spacing == (1.0, 1.0)
    with pytest.raises(ValueError, match="same number of samples"):
        dataclasses.replace(profile, values=np.zeros(2))


def test_a_profile_made_from_arrays_leaves_them_writeable():
    distance = np.arange(3.0)
    Profile(distance, np.zeros((3, 2)), np.zeros(3), np.zeros(3))
    assert distance.flags.writeable


# --- CSV ------------------------------------------------------------------------------------


def test_csv_round_trip_of_two_profiles(tmp_path: Path):
    rng = np.random.default_rng(3)
    image = rng.normal(size=(20, 20)) * 1e3
    first = line_profile(image, [[2.1, 3.3], [15.7, 9.9]], spacing=(0.3, 0.7))
    second = line_profile(image, [[5, -3], [5, 7]], step=0.7)  # partly outside: NaN
    target = tmp_path / "profiles.csv"
    profiles_to_csv([first, second], target)
    table = np.genfromtxt(target, delimiter=",", names=True)
    # Spacing without a unit: distances in an unknown unit, world coordinates beside the
    # pixel ones (the second profile's spacing is 1, so both are in the same columns).
    assert table.dtype.names == (
        "line", "distance", "row_px", "col_px", "row_world", "col_world", "intensity", "derivative"
    )  # fmt: skip
    np.testing.assert_array_equal(table["line"], [0] * len(first) + [1] * len(second))
    for column, attribute in [("distance", "distance"), ("intensity", "values")]:
        np.testing.assert_array_equal(
            table[column], np.concatenate([getattr(first, attribute), getattr(second, attribute)])
        )
    np.testing.assert_array_equal(
        table["derivative"], np.concatenate([first.derivative, second.derivative])
    )
    coords = np.concatenate([first.coords, second.coords])
    np.testing.assert_array_equal(table["row_px"], coords[:, 0])
    np.testing.assert_array_equal(table["col_px"], coords[:, 1])
    np.testing.assert_allclose(table["row_world"][: len(first)], first.coords[:, 0] * 0.3)
    np.testing.assert_allclose(table["col_world"][: len(first)], first.coords[:, 1] * 0.7)
    assert np.isnan(table["intensity"]).any()
    assert ",nan," in target.read_text()


def test_profile_to_csv_writes_line_zero_with_labels(tmp_path: Path):
    profile = line_profile(ramp(), [[1, 1], [1, 4]])
    target = str(tmp_path / "one.csv")
    profile.to_csv(target, axis_labels=("row", "col"))
    with open(target, encoding="utf-8") as file:
        lines = file.read().splitlines()
    assert lines[0] == "line,distance_px,row_px,col_px,intensity,derivative_per_px"
    # I = 3y - 2x + 7 at (1, 1): 8; one pixel on: 6; derivative -2 per pixel.
    assert lines[1] == "0,0.0,1.0,1.0,8.0,-2.0"
    assert lines[2] == "0,1.0,1.0,2.0,6.0,-2.0"
    assert len(lines) == 5


@pytest.mark.parametrize(
    ("ndim", "labels"),
    [(1, ("col",)), (3, ("z", "row", "col")), (4, ("axis_0", "axis_1", "axis_2", "axis_3"))],
)
def test_csv_default_axis_labels(tmp_path: Path, ndim, labels):
    profile = Profile(np.arange(2.0), np.zeros((2, ndim)), np.zeros(2), np.zeros(2))
    profile.to_csv(tmp_path / "p.csv")
    table = np.genfromtxt(tmp_path / "p.csv", delimiter=",", names=True)
    pixels = tuple(f"{label}_px" for label in labels)
    assert table.dtype.names == ("line", "distance_px", *pixels, "intensity", "derivative_per_px")


@pytest.mark.parametrize(
    ("profiles", "labels", "match"),
    [
        ([], None, "profiles"),
        (
            [
                Profile(np.arange(2.0), np.zeros((2, 2)), np.zeros(2), np.zeros(2)),
                Profile(np.arange(2.0), np.zeros((2, 3)), np.zeros(2), np.zeros(2)),
            ],
            None,
            "profiles",
        ),
        ("one", ("y",), "axis_labels"),
        ("one", ("y", "y"), "axis_labels"),
        ("one", ("y", "distance"), "axis_labels"),
        ("one", ("y", "x,1"), "axis_labels"),
    ],
)
def test_csv_errors(tmp_path: Path, profiles, labels, match):
    if profiles == "one":
        profiles = [Profile(np.arange(2.0), np.zeros((2, 2)), np.zeros(2), np.zeros(2))]
    with pytest.raises(ValueError, match=match):
        profiles_to_csv(profiles, tmp_path / "p.csv", axis_labels=labels)


# --- validation -----------------------------------------------------------------------------


GOOD_PATH = [[1.0, 1.0], [4.0, 5.0]]


@pytest.mark.parametrize(
    ("image", "path", "options", "match"),
    [
        (np.zeros((6, 6)), [[1.0, 1.0]], {}, "path"),
        (np.zeros((6, 6)), [[1.0, 1.0], [1.0, 1.0]], {}, "path"),
        (np.zeros((6, 6)), [[1.0, 1.0], [np.nan, 2.0]], {}, "path"),
        (np.zeros((6, 6)), [[1.0, 1.0], [np.inf, 2.0]], {}, "path"),
        (np.zeros((6, 6)), [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]], {}, "path"),
        (np.zeros((6, 6)), [1.0, 2.0], {}, "path"),
        (np.zeros((6, 6)), [[["a", "b"]]], {}, "path"),
        (np.zeros((6, 6)), GOOD_PATH, {"step": 0}, "step"),
        (np.zeros((6, 6)), GOOD_PATH, {"step": -1.0}, "step"),
        (np.zeros((6, 6)), GOOD_PATH, {"step": np.nan}, "step"),
        (np.zeros((6, 6)), GOOD_PATH, {"step": np.inf}, "step"),
        (np.zeros((6, 6)), GOOD_PATH, {"step": "1"}, "step"),
        (np.zeros((6, 6)), GOOD_PATH, {"step": 1e-9}, "step"),
        (np.zeros((6, 6)), GOOD_PATH, {"width": 0}, "width"),
        (np.zeros((6, 6)), GOOD_PATH, {"width": 2.5}, "width"),
        (np.zeros((6, 6)), GOOD_PATH, {"width": True}, "width"),
        (np.zeros((6, 6)), GOOD_PATH, {"smooth": -0.1}, "smooth"),
        (np.zeros((6, 6)), GOOD_PATH, {"smooth": np.nan}, "smooth"),
        (np.zeros((6, 6)), GOOD_PATH, {"order": 2}, "order"),
        (np.zeros((6, 6)), GOOD_PATH, {"order": "linear"}, "order"),
        (np.zeros((6, 6)), GOOD_PATH, {"reduce": "sum"}, "reduce"),
        (np.zeros((6, 6)), GOOD_PATH, {"mode": "edge"}, "mode"),
        (np.zeros((6, 6)), GOOD_PATH, {"spacing": (1.0,)}, "spacing"),
        (np.zeros((6, 6)), GOOD_PATH, {"spacing": (1.0, 0.0)}, "spacing"),
        (np.zeros((6, 6)), GOOD_PATH, {"spacing": (1.0, -2.0)}, "spacing"),
        (np.zeros((6, 6)), GOOD_PATH, {"spacing": (1.0, np.nan)}, "spacing"),
        (np.zeros((6, 6)), GOOD_PATH, {"spacing": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]}, "spacing"),
        (np.zeros((6, 6)), GOOD_PATH, {"spacing": [[1.0, 2.0], [0.5, 1.0]]}, "spacing"),
        (np.zeros((6, 6)), GOOD_PATH, {"spacing": [[1.0, 0.0], [0.0, np.inf]]}, "spacing"),
        (np.zeros((6, 6)), GOOD_PATH, {"spacing": [[[1.0]]]}, "spacing"),
        (np.array(1.0), GOOD_PATH, {}, "image"),
        (np.zeros((6, 6), dtype=complex), GOOD_PATH, {}, "image"),
    ],
)
def test_invalid_arguments_raise_value_error_naming_them(image, path, options, match):
    with pytest.raises(ValueError, match=match):
        line_profile(image, path, **options)


@pytest.mark.parametrize(
    "image", [np.array([["a", "b"], ["c", "d"]]), np.zeros((2, 2), dtype=object)]
)
def test_non_numeric_image_raises_type_error(image):
    with pytest.raises(TypeError, match="image"):
        line_profile(image, [[0, 0], [1, 1]])


def test_inputs_are_not_modified():
    rng = np.random.default_rng(11)
    image = rng.integers(0, 255, size=(12, 12), dtype=np.uint8)
    path = np.array([[-1.0, 2.0], [6.0, 6.0], [10.0, 1.0]])
    image_copy, path_copy = image.copy(), path.copy()
    image.flags.writeable = False
    path.flags.writeable = False
    for order in (0, 1, 3):
        line_profile(image, path, order=order, width=3, smooth=1.0, spacing=(2.0, 1.0))
    np.testing.assert_array_equal(image, image_copy)
    np.testing.assert_array_equal(path, path_copy)
    sample_path(path, 0.5)
    np.testing.assert_array_equal(path, path_copy)


def test_a_spacing_matrix_measures_sheared_steps():
    # World = M @ data with a shear: a step of 10 columns is 10 down and 10 across,
    # 14.142 long, over which the intensity (the column index) rises by 10.
    shear = [[1.0, 1.0], [0.0, 1.0]]
    image = row_image(np.arange(20.0))
    profile = line_profile(image, [[5, 0], [5, 10]], spacing=shear)
    assert profile.distance[-1] == pytest.approx(math.sqrt(200), rel=1e-12)
    np.testing.assert_allclose(profile.derivative, 10 / math.sqrt(200), rtol=1e-12)
    assert profile.spacing == ((1.0, 1.0), (0.0, 1.0))


def test_a_diagonal_spacing_matrix_is_per_axis_spacing_and_a_flip_keeps_lengths():
    path = [[10.0, 20.0], [22.0, 24.0]]
    per_axis = line_profile(ramp(), path, spacing=(0.5, 2.0))
    for matrix in ([[0.5, 0.0], [0.0, 2.0]], [[-0.5, 0.0], [0.0, 2.0]]):
        profile = line_profile(ramp(), path, spacing=matrix)
        np.testing.assert_allclose(profile.distance, per_axis.distance, rtol=1e-12)
        np.testing.assert_allclose(profile.derivative, per_axis.derivative, rtol=1e-12)
    # A rotation by 90 degrees of those pixels: the same lengths again.
    rotated = line_profile(ramp(), path, spacing=[[0.0, -2.0], [0.5, 0.0]])
    np.testing.assert_allclose(rotated.distance, per_axis.distance, rtol=1e-12)


def test_list_inputs_and_scalar_spacing():
    profile = line_profile([[0, 1, 2], [3, 4, 5]], [(0, 0), (0, 2)], spacing=0.5)
    np.testing.assert_array_equal(profile.values, [0, 1, 2])
    np.testing.assert_allclose(profile.derivative, 2.0)
    assert profile.spacing == (0.5, 0.5)


def test_csv_line_column_can_name_the_shapes(tmp_path):
    image = np.tile(np.arange(10.0), (5, 1))
    first = line_profile(image, [[1, 0], [1, 4]])
    second = line_profile(image, [[3, 0], [3, 2]])
    path = tmp_path / "lines.csv"
    profiles_to_csv([first, second], path, lines=[4, 7])
    table = np.genfromtxt(path, delimiter=",", names=True)
    np.testing.assert_array_equal(table["line"], [4] * 5 + [7] * 3)
    np.testing.assert_array_equal(table["intensity"], [0, 1, 2, 3, 4, 0, 1, 2])
    with pytest.raises(ValueError, match="lines"):
        profiles_to_csv([first, second], path, lines=[1])


# --- chunked (dask, zarr) images -----------------------------------------------------------


class RecordingArray:
    """A chunked array, zarr style (one chunk size per axis), that records each read."""

    def __init__(self, data, chunks):
        self.data, self.chunks = data, tuple(chunks)
        self.shape, self.dtype, self.ndim = data.shape, data.dtype, data.ndim
        self.reads = []

    def __getitem__(self, key):
        part = self.data[key]
        if part.size:  # dask asks for an empty slice to learn the type
            self.reads.append(tuple((k.start or 0, k.stop) for k in key))
        return part


def chunked(kind, data, chunks):
    if kind == "dask":
        da = pytest.importorskip("dask.array")
        return da.from_array(data, chunks=chunks)
    if kind == "zarr":
        zarr = pytest.importorskip("zarr")
        array = zarr.create_array(store={}, shape=data.shape, chunks=chunks, dtype=data.dtype)
        array[...] = data
        return array
    return RecordingArray(data, chunks)


def crossed_chunks(path, shape, chunks, step=1.0, reach=(0, 1)):
    """Chunks holding pixels floor(c) + reach of the samples, per axis, clipped."""
    coords = sample_path(path, step)
    low = np.clip(np.floor(coords).astype(int) + reach[0], 0, np.array(shape) - 1)
    high = np.clip(np.floor(coords).astype(int) + reach[1], 0, np.array(shape) - 1)
    found = set()
    for lo, hi in zip(low // chunks, high // chunks, strict=True):
        for y in range(lo[0], hi[0] + 1):
            for x in range(lo[1], hi[1] + 1):
                found.add((y, x))
    return found


def read_chunks(array, chunks):
    return {
        tuple(start // size for (start, _), size in zip(key, chunks, strict=True))
        for key in array.reads
    }


@pytest.mark.parametrize("kind", ["dask", "zarr", "recording"])
@pytest.mark.parametrize("order", [0, 1, 3])
@pytest.mark.parametrize("width", [1, 3])
def test_chunked_images_give_the_values_of_the_array(kind, order, width, rng):
    image = (rng.normal(size=(150, 131)) * 1000 + 5000).astype(np.uint16)
    lazy = chunked(kind, image, (32, 40))
    for path in (
        [[-0.5, -0.4], [149.5, 130.4]],  # corner to corner, in the half-pixel border
        [[10, 3], [100, 125], [5, 60]],  # a polyline
        [[-9, 20], [160, 90]],  # partly outside: NaN there
    ):
        expected = line_profile(image, path, order=order, width=width, step=0.7)
        profile = line_profile(lazy, path, order=order, width=width, step=0.7)
        if order < 3:
            np.testing.assert_array_equal(profile.values, expected.values)
            np.testing.assert_array_equal(profile.derivative, expected.derivative)
        else:
            # The spline prefilter is cut 16 pixels past the footprint: ~1e-9 of the range.
            np.testing.assert_allclose(profile.values, expected.values, rtol=1e-6, atol=1e-6)
        np.testing.assert_array_equal(profile.coords, expected.coords)


@pytest.mark.parametrize("mode", ["nearest", "reflect", "mirror", "grid-constant", "grid-wrap"])
def test_chunked_images_honour_the_boundary_mode(mode, rng):
    image = rng.normal(size=(60, 70))
    lazy = chunked("recording", image, (1, 9))  # one-row chunks: the mirror needs row 1
    path = [[-0.45, -0.3], [59.4, 69.45]]
    np.testing.assert_array_equal(
        line_profile(lazy, path, mode=mode).values, line_profile(image, path, mode=mode).values
    )


@pytest.mark.parametrize("kind", ["dask", "recording"])
def test_only_the_chunks_the_line_crosses_are_read(kind, rng):
    image = rng.integers(0, 4000, size=(512, 512), dtype=np.uint16)
    recorder = RecordingArray(image, (64, 64))
    if kind == "dask":
        da = pytest.importorskip("dask.array")
        lazy = da.from_array(recorder, chunks=(64, 64), asarray=False)
    else:
        lazy = recorder
    path = [[10.3, 20.0], [500.0, 470.6]]
    line_profile(lazy, path)
    crossed = crossed_chunks(path, image.shape, 64)
    assert read_chunks(recorder, (64, 64)) == crossed
    assert len(crossed) < 64 / 3  # of the 64 chunks of the image
    # Each chunk is read once, whole: no per-sample reads.
    assert len(recorder.reads) == len(crossed)
    assert all(stop - start == 64 for key in recorder.reads for start, stop in key)


def test_cubic_reads_only_the_chunks_within_its_margin(rng):
    image = rng.normal(size=(512, 512))
    recorder = RecordingArray(image, (64, 64))
    path = [[100.0, 30.0], [100.0, 480.0]]  # along row 100, 28 rows below a chunk edge
    line_profile(recorder, path, order=3)
    # Rows 100 - 1 - 16 .. 100 + 2 + 16 lie in chunk row 1 only.
    assert read_chunks(recorder, (64, 64)) == {(1, x) for x in range(8)}
    assert read_chunks(recorder, (64, 64)) == crossed_chunks(
        path, image.shape, 64, reach=(-17, 18)
    )
    np.testing.assert_allclose(
        line_profile(recorder, path, order=3).values,
        line_profile(image, path, order=3).values,
        rtol=1e-6,
    )


def test_chunked_image_outside_the_line_reads_nothing(rng):
    recorder = RecordingArray(rng.normal(size=(64, 64)), (16, 16))
    profile = line_profile(recorder, [[-20.0, -5.0], [-20.0, 70.0]])
    assert np.isnan(profile.values).all()
    assert recorder.reads == []


def test_chunked_image_is_validated_without_reading(rng):
    recorder = RecordingArray(rng.normal(size=(8, 8)).astype(np.complex64), (4, 4))
    with pytest.raises(ValueError, match="real"):
        line_profile(recorder, [[1, 1], [5, 5]])
    assert recorder.reads == []


def test_cubic_on_an_array_prefilters_only_near_the_line(rng):
    # A NaN 100 px from the line must not reach it: the spline prefilter is windowed
    # around the samples, for an array as for a chunked image.
    image = rng.normal(size=(200, 220)) * 100 + 1000
    image[180, 200] = np.nan
    path = [[20.3, 10.0], [40.7, 120.2]]
    profile = line_profile(image, path, order=3, width=3, step=0.7)
    assert np.all(np.isfinite(profile.values))
    lazy = chunked("recording", image, (32, 40))
    np.testing.assert_allclose(
        profile.values, line_profile(lazy, path, order=3, width=3, step=0.7).values, rtol=1e-9
    )


def test_cubic_on_an_array_is_exact_on_a_ramp():
    # I = 3y - 2x + 7, sampled 20 px or more inside: a cubic spline reproduces it
    # (at the image's border the boundary mode bends it).
    path = [[20.2, 20.1], [79.6, 99.3], [30.0, 90.0]]
    profile = line_profile(ramp(shape=(100, 120)), path, order=3, step=0.3)
    y, x = profile.coords.T
    np.testing.assert_allclose(profile.values, 3 * y - 2 * x + 7, rtol=0, atol=1e-6)


@pytest.mark.parametrize("lines", [[1.7], ["a"], [None], [True], 5])
def test_csv_lines_must_be_integers(tmp_path, lines):
    profile = line_profile(row_image(np.arange(5.0)), [[1, 0], [1, 4]])
    with pytest.raises(ValueError, match="lines"):
        profiles_to_csv([profile], tmp_path / "lines.csv", lines=lines)


def test_csv_lines_take_numpy_integers(tmp_path):
    profile = line_profile(row_image(np.arange(5.0)), [[1, 0], [1, 4]])
    path = tmp_path / "lines.csv"
    profiles_to_csv([profile], path, lines=np.array([3], dtype=np.int64))
    np.testing.assert_array_equal(np.genfromtxt(path, delimiter=",", names=True)["line"], 3)


# --- the half-pixel border -------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True])
def test_constant_and_wrap_read_pixel_zero_in_the_half_pixel_border(chunked):
    # Row 3, 5, 7, ..., 21: a sample at x = -0.4 lies on pixel 0 (it covers -0.5..0.5).
    image = np.tile(3.0 + 2.0 * np.arange(10), (3, 1))
    if chunked:
        import dask.array as da

        image = da.from_array(image, chunks=(3, 4))
    path = [[1.0, -0.4], [1.0, 1.6]]
    # Nearest pixel: pixel 0, whatever the mode (not 0, not the far border's 21).
    for mode in ("constant", "wrap", "nearest", "grid-constant", "grid-wrap"):
        profile = line_profile(image, path, step=2.0, order=0, mode=mode)
        assert profile.values[0] == 3.0, mode
    # Linear: 0.4 of the way from the zero past the border to pixel 0 for "constant"
    # (0.6 * 3 = 1.8), from the far border (21) for "wrap" (0.4 * 21 + 0.6 * 3 = 10.2).
    linear = {"constant": 1.8, "wrap": 10.2, "nearest": 3.0}
    for mode, value in linear.items():
        profile = line_profile(image, path, step=2.0, order=1, mode=mode)
        assert profile.values[0] == pytest.approx(value, rel=1e-12), mode
        assert profile.values[1] == pytest.approx(6.2, rel=1e-12), mode


def test_cubic_constant_mode_keeps_the_line_in_place():
    # scipy's plain "constant" shifted a whole cubic line; its grid version does not:
    # far from the border a ramp is sampled exactly, and as "grid-constant" samples it.
    image = np.tile(np.arange(40.0), (5, 1))
    profile = line_profile(image, [[2.0, 10.0], [2.0, 30.0]], order=3, mode="constant")
    grid = line_profile(image, [[2.0, 10.0], [2.0, 30.0]], order=3, mode="grid-constant")
    np.testing.assert_allclose(profile.values, grid.values, rtol=0, atol=0)
    np.testing.assert_allclose(profile.values, np.arange(10.0, 31.0), atol=1e-6)


@pytest.mark.parametrize("lazy", [False, True])
def test_masked_pixels_are_nan_in_profiles(lazy):
    data = 5.0 + 0.1 * np.tile(np.arange(10.0), (7, 1))
    data[3, 5] = 1000.0
    image = np.ma.array(data, mask=data == 1000.0)
    if lazy:
        import dask.array as da

        image = da.ma.masked_array(da.from_array(data, chunks=(4, 4)), mask=data == 1000.0)
    profile = line_profile(image, [[3, 0], [3, 9]], order=0)
    # The hidden 1000 is never read: NaN there, the ramp elsewhere (slope 0.1).
    assert np.isnan(profile.values[5])
    np.testing.assert_allclose(
        np.delete(profile.values, 5), 5.0 + 0.1 * np.delete(np.arange(10), 5)
    )
    finite = np.isfinite(profile.derivative)
    np.testing.assert_allclose(profile.derivative[finite], 0.1, rtol=1e-9)
    # Next to the missing sample the central difference is NaN (as for NaN input).
    assert np.flatnonzero(~finite).tolist() == [4, 6]
