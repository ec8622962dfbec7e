"""The autoscale policy alone (no Qt, no figure): limits with hysteresis, by hand.

A view of -5..105 is the padded fit of data 0..100 (5 % of the span each side).
"""

from __future__ import annotations

import numpy as np
import pytest

from napari_derivatives._qt.plot.autoscale import (
    LIVE_SHRINK_THRESHOLD,
    SHRINK_THRESHOLD,
    finite_range,
    fitted_limits,
    needs_rescale,
    padded,
)

VIEW = (-5.0, 105.0)


def live(data, current=VIEW, widen=True):
    return fitted_limits(
        current, data, force=False, shrink_below=LIVE_SHRINK_THRESHOLD, widen=widen
    )


def settled(data, current=VIEW, widen=True):
    return fitted_limits(current, data, force=False, shrink_below=SHRINK_THRESHOLD, widen=widen)


def test_the_padded_range_adds_five_percent_of_the_span_on_each_side():
    assert padded(0.0, 100.0) == pytest.approx(VIEW)
    assert padded(-2.0, 2.0) == pytest.approx((-2.2, 2.2))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(50.0, (45.0, 55.0)), (-200.0, (-220.0, -180.0)), (0.0, (-1.0, 1.0)), (0.5, (-0.5, 1.5))],
)
def test_a_flat_curve_gets_a_tenth_of_its_value_and_at_least_one_each_side(value, expected):
    assert padded(value, value) == pytest.approx(expected)


def test_data_leaving_the_view_widen_it_to_hold_the_old_and_the_new_data():
    # Data 50..150 leave the top of -5..105: the union -5..150 (span 155), padded
    # by 7.75 each side. The data fill 100 / 155 of it, above SHRINK_THRESHOLD.
    assert live((50.0, 150.0)) == pytest.approx((-12.75, 157.75))
    # The same data leaving the bottom.
    assert live((-60.0, 40.0)) == pytest.approx((-60.0 - 8.25, 105.0 + 8.25))


def test_data_far_from_the_view_are_fitted_alone():
    # 1000..1010 would fill 10 / 1015 of the union: the view jumps to the data.
    assert live((1000.0, 1010.0)) == pytest.approx((999.5, 1010.5))


def test_the_distance_axis_follows_the_data_without_widening():
    assert live((50.0, 150.0), widen=False) == pytest.approx((45.0, 155.0))


def test_a_small_change_inside_the_view_keeps_it():
    assert live((5.0, 95.0)) is None
    assert settled((5.0, 95.0)) is None
    assert not needs_rescale(VIEW, 5.0, 95.0, SHRINK_THRESHOLD)


def test_while_live_only_a_shrink_below_ten_percent_of_the_view_refits():
    # 50..58 spans 8 < 11 (10 % of 110): fitted at once, 0.4 each side.
    assert live((50.0, 58.0)) == pytest.approx((49.6, 58.4))
    # 40..65 spans 25: kept while live, fitted once the updates pause (25 < 44).
    assert live((40.0, 65.0)) is None
    assert settled((40.0, 65.0)) == pytest.approx((38.75, 66.25))
    # 60 spans more than 40 % of the view: kept even then.
    assert settled((20.0, 80.0)) is None


def test_an_inverted_view_is_read_in_order():
    assert live((5.0, 95.0), current=(105.0, -5.0)) is None
    assert needs_rescale((105.0, -5.0), -10.0, 50.0, SHRINK_THRESHOLD)


def test_a_forced_fit_ignores_the_hysteresis_but_not_a_rounding_difference():
    forced = fitted_limits(VIEW, (5.0, 95.0), force=True, shrink_below=0.0, widen=True)
    assert forced == pytest.approx((0.5, 99.5))
    same = fitted_limits(VIEW, (0.0, 100.0 + 1e-12), force=True, shrink_below=0.0, widen=True)
    assert same is None


def test_no_finite_data_keep_the_view():
    assert finite_range([np.array([np.nan, np.inf]), np.array([])]) is None
    assert live(None) is None


def test_the_data_range_spans_every_curve_and_skips_gaps():
    curves = [np.array([np.nan, 3.0, 7.0]), np.array([-2.0, np.inf, 5.0]), [4]]
    assert finite_range(curves) == (-2.0, 7.0)
