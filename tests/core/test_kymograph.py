"""Kymographs: a line swept through a stack, its edge tracked, the chunks read."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erf

from napari_derivatives import kymograph, line_profile


def moving_front(frames=30, size=(20, 120), start=20.0, speed=2.5, sigma=3.0):
    """A blurred front (erf, sigma px) along x at start + speed * t px in frame t."""
    t, _, x = np.mgrid[0:frames, 0 : size[0], 0 : size[1]].astype(np.float64)
    return 10 + 100 * 0.5 * (1 + erf((x - start - speed * t) / (sigma * math.sqrt(2))))


def test_velocity_of_a_moving_blurred_front_in_physical_units():
    # 2.5 px per frame, 0.4 µm pixels, 0.5 s frames: 2.5 * 0.4 / 0.5 = 2.0 µm/s.
    stack = moving_front()
    kymo = kymograph(
        stack, [[0, 10, 5], [0, 10, 115]], spacing=(0.5, 0.4, 0.4), units=("s", "µm", "µm")
    )
    assert kymo.values.shape == kymo.derivative.shape == (30, 111)
    np.testing.assert_allclose(kymo.positions, 0.5 * np.arange(30))
    assert kymo.units == "µm" and kymo.axis_unit == "s"
    track = kymo.edge_track()
    assert track.velocity == pytest.approx(2.0, rel=1e-3)
    assert track.velocity_stderr < 1e-3
    assert track.missing.size == 0
    # Each frame's edge where the front is: (20 + 2.5 t - 5) px from the line's start.
    np.testing.assert_allclose(track.distance, (15 + 2.5 * np.arange(30)) * 0.4, atol=0.02)
    assert all(edge.fwhm == pytest.approx(2.3548 * 3 * 0.4, rel=0.03) for edge in track.edges)


def test_rows_are_the_profiles_of_each_frame():
    stack = moving_front(frames=5)
    path = [[3, 4.2, 7.5], [0, 15.7, 100.1]]
    for options in ({}, {"order": 3, "step": 0.5}, {"width": 3, "smooth": 1.5}):
        kymo = kymograph(stack, path, spacing=(1.0, 0.3, 0.3), **options)
        for t in range(5):
            frame = line_profile(stack[t], np.asarray(path)[:, 1:], spacing=0.3, **options)
            np.testing.assert_array_equal(kymo.values[t], frame.values)
            np.testing.assert_array_equal(kymo.derivative[t], frame.derivative)
            np.testing.assert_array_equal(kymo.profile(t).coords[:, 1:], frame.coords)
            assert np.all(kymo.profile(t).coords[:, 0] == t)


def test_sweeping_another_axis_and_missing_frames():
    stack = np.moveaxis(moving_front(frames=8), 0, 2)  # (y, x, t)
    stack[:, :, 3] = 10.0  # a frame without an edge
    kymo = kymograph(stack, [[10, 5, 0], [10, 115, 0]], axis=-1, spacing=(1, 1, 2.0))
    track = kymo.edge_track(threshold=1.0)
    np.testing.assert_array_equal(track.missing, [6.0])
    np.testing.assert_array_equal(track.positions, [0, 2, 4, 8, 10, 12, 14])
    assert track.velocity == pytest.approx(2.5 / 2.0, rel=1e-3)


def test_a_lazy_stack_gives_the_same_kymograph():
    da = pytest.importorskip("dask.array")
    stack = moving_front(frames=12)
    path = [[0, 10.5, 3.2], [0, 12.5, 111.0]]
    eager = kymograph(stack, path, order=3)
    for chunks in ((1, 20, 40), (5, 7, 33), (12, 20, 120)):
        lazy = kymograph(da.from_array(stack, chunks=chunks), path, order=3)
        np.testing.assert_allclose(lazy.values, eager.values, rtol=0, atol=1e-9)
        np.testing.assert_allclose(lazy.derivative, eager.derivative, rtol=0, atol=1e-9)


def test_a_zarr_stack_reads_only_the_chunks_under_the_line_each_once():
    zarr = pytest.importorskip("zarr")

    class CountingStore(zarr.storage.MemoryStore):
        reads: list[str]

        async def get(self, key, prototype, byte_range=None):
            if not key.endswith("zarr.json"):
                self.reads.append(key)
            return await super().get(key, prototype, byte_range)

    store = CountingStore()
    store.reads = []
    stack = zarr.create_array(store, shape=(200, 512, 512), chunks=(1, 256, 256), dtype="u2")
    t, x = np.arange(200)[:, None], np.arange(512)[None, :]
    row = (1000 * (x > 100 + t)).astype("u2")
    stack[:, 100:110, :] = np.repeat(row[:, None, :], 10, axis=1)
    store.reads.clear()
    # A line along row 105 from x = 50 to 400 crosses chunks (0, 0) and (0, 1) of each frame.
    kymo = kymograph(stack, [[0, 105, 50], [0, 105, 400]])
    assert len(store.reads) == 2 * 200
    assert len(set(store.reads)) == 2 * 200
    assert {key.rsplit("/", 2)[-2:][0] for key in store.reads} == {"0"}  # chunk row 0 only
    assert kymo.edge_track().velocity == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"axis": 3}, "axis"),
        ({"spacing": (1.0, 1.0)}, "spacing"),
        ({"units": ("s", "µm")}, "units"),
        ({"units": ("s", "µm", "nm")}, "units"),
        ({"step": 0}, "step"),
        ({"reduce": "sum"}, "reduce"),
    ],
)
def test_bad_options_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kymograph(np.zeros((3, 5, 6)), [[0, 1, 1], [0, 3, 4]], **kwargs)


def test_edge_track_rejects_select_all():
    kymo = kymograph(moving_front(frames=3), [[0, 10, 5], [0, 10, 115]])
    with pytest.raises(ValueError, match="select"):
        kymo.edge_track(select="all")


def test_track_csv_and_its_record(tmp_path):
    import json

    pandas = pytest.importorskip("pandas")
    kymo = kymograph(
        moving_front(frames=6),
        [[0, 10, 5], [0, 10, 115]],
        spacing=(0.5, 0.4, 0.4),
        units=("s", "µm", "µm"),
    )
    track = kymo.edge_track()
    track.to_csv(tmp_path / "track.csv")
    table = pandas.read_csv(tmp_path / "track.csv")
    assert list(table.columns) == [
        "position_s", "distance_µm", "derivative_per_µm", "intensity", "rise_width_µm", "fwhm_µm"
    ]  # fmt: skip
    np.testing.assert_allclose(table["distance_µm"], track.distance)
    record = json.loads((tmp_path / "track.json").read_text(encoding="utf-8"))
    assert record["velocity"] == pytest.approx(2.0, rel=1e-3)
    assert record["velocity_unit"] == "µm/s"
