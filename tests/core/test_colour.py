"""The colour survey and the direction colour, on values whose colours are known by hand."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

from napari_derivatives import gradient_outputs
from napari_derivatives._core.colour import (
    brightness_scale,
    colour_survey,
    direction_colour,
    hsv_to_rgb,
    intensity_limits,
    intensity_sample,
)

RED, YELLOW, GREEN, CYAN, BLUE, MAGENTA = (
    [255, 0, 0],
    [255, 255, 0],
    [0, 255, 0],
    [0, 255, 255],
    [0, 0, 255],
    [255, 0, 255],
)


def test_the_six_primary_hues_and_grey():
    hues = np.arange(6) / 6
    assert hsv_to_rgb(hues, 1.0, 1.0).tolist() == [RED, YELLOW, GREEN, CYAN, BLUE, MAGENTA]
    # The hue wraps, saturation 0 is grey whatever the hue, value scales all channels.
    assert hsv_to_rgb(1.5, 1.0, 1.0).tolist() == CYAN
    assert hsv_to_rgb(np.linspace(0, 1, 7), 0.0, 0.4).tolist() == [[102] * 3] * 7
    assert hsv_to_rgb(0.0, 0.5, 1.0).tolist() == [255, 128, 128]
    assert hsv_to_rgb(np.nan, 1.0, 1.0).tolist() == [0, 0, 0]


def test_survey_hue_is_the_orientation_over_pi():
    angles = np.array([0, np.pi / 6, np.pi / 3, np.pi / 2, -np.pi / 2, -np.pi / 3, -np.pi / 6])
    rgb = colour_survey(angles, np.ones(7), np.full(7, 10.0), contrast_limits=(0, 10))
    assert rgb.dtype == np.uint8 and rgb.shape == (7, 3)
    # pi/2 and -pi/2 are one orientation: one colour.
    assert rgb.tolist() == [RED, YELLOW, GREEN, CYAN, CYAN, BLUE, MAGENTA]


def test_survey_saturation_is_coherence_and_brightness_the_scaled_image():
    orientation = np.zeros(5)
    coherence = np.array([0.0, 0.5, 1.0, 1.0, 1.0])
    image = np.array([50.0, 50.0, 30.0, 0.0, 90.0])
    rgb = colour_survey(orientation, coherence, image, contrast_limits=(10, 50))
    # coherence 0: grey at full brightness (50 is the upper limit); 0.5: half saturated;
    # 30 is halfway between the limits; below and above them: clipped to black and full.
    assert rgb.tolist() == [[255] * 3, [255, 128, 128], [128, 0, 0], [0, 0, 0], RED]


def test_direction_colour_of_ramps_is_the_direction_hue_and_flat_is_black():
    y, x = np.mgrid[0:20, 0:20].astype(np.float32)
    for image, colour in ((x, RED), (-x, CYAN), (y, [128, 255, 0])):
        result = gradient_outputs(image, ("direction", "magnitude"))
        scale = brightness_scale(result["magnitude"])
        assert scale == pytest.approx(1.0)
        rgb = direction_colour(result["direction"], result["magnitude"], scale=scale)
        assert np.all(rgb[2:-2, 2:-2] == colour)
    flat = gradient_outputs(np.full((8, 8), 7.0), ("direction", "magnitude"))
    rgb = direction_colour(flat["direction"], flat["magnitude"], scale=1.0)
    assert not rgb.any()


def test_brightness_scale_is_a_robust_maximum():
    # Outliers do not set the scale: the 99th percentile of 0..1 in even steps is 0.99,
    # whatever the brightest half percent is.
    magnitude = np.linspace(0.0, 1.0, 10_001)
    magnitude[-50:] = 1000.0
    assert brightness_scale(magnitude) == pytest.approx(0.99, abs=1e-6)
    # Half of it at 2 shows at full brightness from 2 on.
    rgb = direction_colour(np.zeros(3), [1.0, 2.0, 5.0], scale=2.0)
    assert rgb[:, 0].tolist() == [128, 255, 255]
    assert brightness_scale(np.zeros((4, 4))) == 1.0
    assert brightness_scale(np.full(3, np.nan)) == 1.0


def test_dask_in_gives_dask_out_with_the_same_values(rng):
    orientation = rng.uniform(-np.pi / 2, np.pi / 2, (30, 40))
    coherence = rng.uniform(0, 1, (30, 40))
    image = rng.normal(0, 1, (30, 40))
    eager = colour_survey(orientation, coherence, image, contrast_limits=(-2, 2))
    lazy = colour_survey(
        da.from_array(orientation, chunks=(7, 11)), coherence, image, contrast_limits=(-2, 2)
    )
    assert isinstance(lazy, da.Array)
    assert lazy.chunks == ((7, 7, 7, 7, 2), (11, 11, 11, 7), (3,))
    np.testing.assert_array_equal(lazy.compute(), eager)
    lazy = direction_colour(da.from_array(orientation, chunks=8), coherence, scale=0.5)
    np.testing.assert_array_equal(
        lazy.compute(), direction_colour(orientation, coherence, scale=0.5)
    )


def test_samples_read_a_central_plane_of_lazy_data_and_all_of_small_data():
    volume = np.arange(5 * 6 * 7, dtype=float).reshape(5, 6, 7)
    np.testing.assert_array_equal(intensity_sample(volume), volume.ravel())
    np.testing.assert_array_equal(intensity_sample(da.from_array(volume, chunks=2)), volume[2])
    big = np.zeros(3 * 2**20)
    assert intensity_sample(big).size == 2**20
    assert intensity_limits(volume) == (0.0, 209.0)
    assert intensity_limits(np.full(4, 3.0)) == (3.0, 4.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: colour_survey([0.0], [1.0], [1.0], contrast_limits=(1, 1)), "`contrast_limits`"),
        (lambda: colour_survey([0.0], [1.0], [1.0], contrast_limits=(0,)), "`contrast_limits`"),
        (lambda: colour_survey([0.0], [1.0], [1.0, 2.0], contrast_limits=(0, 1)), "one shape"),
        (lambda: direction_colour([0.0], [1.0], scale=0.0), "`scale` must be a finite number > 0"),
        (lambda: brightness_scale([1.0], percentile=101), "`percentile`"),
    ],
)
def test_bad_input_names_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()
