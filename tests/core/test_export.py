"""The CSV explains itself: units in column names, pixel and world coordinates, a record."""

from __future__ import annotations

import json

import numpy as np
import pandas
import pytest

import napari_derivatives as nd
from napari_derivatives import Profile, line_profile, profiles_to_csv


def ramp(shape=(20, 30)):
    """I = 3x + 2y."""
    y, x = np.indices(shape, dtype=float)
    return 3 * x + 2 * y


def test_units_name_the_columns_and_pandas_reads_them(tmp_path):
    profile = line_profile(ramp(), [[4, 2], [4, 12]], spacing=0.5, units="µm", order=3)
    path = tmp_path / "profiles.csv"
    profiles_to_csv([profile], path, axis_labels=("y", "x"))
    table = pandas.read_csv(path)
    assert list(table.columns) == [
        "line", "distance_µm", "y_px", "x_px", "y_µm", "x_µm", "intensity", "derivative_per_µm"
    ]  # fmt: skip
    # 3 per pixel, 0.5 µm pixels: 6 per µm; 10 px = 5 µm.
    np.testing.assert_allclose(table["derivative_per_µm"], 6.0)
    np.testing.assert_allclose(table["distance_µm"], np.linspace(0, 5, 11))
    np.testing.assert_allclose(table["x_µm"], table["x_px"] * 0.5)
    np.testing.assert_allclose(table["intensity"], 3 * table["x_px"] + 8)


def test_the_record_beside_the_csv(tmp_path):
    first = line_profile(ramp(), [[4, 2], [4, 12]], spacing=(1.0, 0.5), units="µm", width=3)
    second = line_profile(ramp(), [[1, 1], [9, 1]], spacing=(1.0, 0.5), units="µm", smooth=2.0)
    path = tmp_path / "two.csv"
    profiles_to_csv([first, second], path, lines=[3, 8], metadata={"image": "ramp"})
    record = json.loads((tmp_path / "two.json").read_text(encoding="utf-8"))
    assert record["image"] == "ramp" and record["csv"] == "two.csv"
    assert record["napari_derivatives_version"] == nd.__version__
    assert record["distance_unit"] == "µm"
    assert set(record["columns"]) == set(pandas.read_csv(path).columns)
    assert [line["line"] for line in record["lines"]] == [3, 8]
    assert record["lines"][0]["width"] == 3 and record["lines"][1]["smooth"] == 2.0
    assert record["lines"][0]["spacing"] == [1.0, 0.5]
    assert record["lines"][0]["length"] == pytest.approx(5.0)  # 10 px of 0.5 µm
    assert record["lines"][1]["length"] == pytest.approx(8.0)
    assert record["lines"][0]["mode"] == "nearest" and record["lines"][0]["order"] == 1


def test_planes_world_transform_and_per_axis_units(tmp_path):
    profile = line_profile(np.zeros((3, 8, 8)), [[2, 1, 1], [2, 1, 6]])
    path = tmp_path / "stack.csv"

    def world(coords):
        return coords * [60.0, 0.2, 0.2] + [0.0, 100.0, 0.0]

    profiles_to_csv(
        [profile], path, planes=[2], units=("s", "µm", "µm"), world=world, axis_labels="tyx"
    )
    table = pandas.read_csv(path)
    assert list(table.columns) == [
        "line", "plane", "distance_px", "t_px", "y_px", "x_px", "t_s", "y_µm", "x_µm",
        "intensity", "derivative_per_px",
    ]  # fmt: skip
    assert (table["plane"] == 2).all() and (table["t_s"] == 120.0).all()
    np.testing.assert_allclose(table["y_µm"], 100.2)


def test_no_record_when_asked_and_mixed_units_refused(tmp_path):
    profile = line_profile(ramp(), [[4, 2], [4, 12]])
    profiles_to_csv([profile], tmp_path / "a.csv", sidecar=False)
    assert not (tmp_path / "a.json").exists()
    other = line_profile(ramp(), [[4, 2], [4, 12]], units="nm")
    with pytest.raises(ValueError, match="unit"):
        profiles_to_csv([profile, other], tmp_path / "b.csv")
    with pytest.raises(ValueError, match="planes"):
        profiles_to_csv([profile], tmp_path / "c.csv", planes=[1, 2])
    with pytest.raises(ValueError, match="units"):
        profiles_to_csv([profile], tmp_path / "d.csv", units=("µm",))


@pytest.mark.parametrize(
    ("units", "match"),
    [(("s", "µm"), "units"), ("µ,m", "units"), ("", "units"), (3, "units")],
)
def test_line_profile_units_are_checked(units, match):
    with pytest.raises(ValueError, match=match):
        line_profile(ramp(), [[4, 2], [6, 12]], units=units)


def test_a_line_across_axes_of_different_units_has_no_single_unit():
    with pytest.raises(ValueError, match="units"):
        line_profile(ramp(), [[4, 2], [6, 12]], units=("s", "µm"))
    # Along x only, the x unit is the distance unit.
    profile = line_profile(ramp(), [[4, 2], [4, 12]], units=("s", "µm"))
    assert profile.units == "µm"


def test_profile_to_csv_passes_units_and_metadata(tmp_path):
    profile = Profile(np.arange(3.0), np.zeros((3, 2)), np.zeros(3), np.zeros(3), units="mm")
    profile.to_csv(tmp_path / "p.csv", metadata={"image": "x"})
    assert pandas.read_csv(tmp_path / "p.csv").columns[1] == "distance_mm"
    assert json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))["image"] == "x"


def test_the_record_never_overwrites_the_csv(tmp_path):
    profile = line_profile(ramp(), [[4, 2], [4, 12]])
    profiles_to_csv([profile], tmp_path / "odd.json")
    assert pandas.read_csv(tmp_path / "odd.json").shape == (11, 6)
    assert (
        json.loads((tmp_path / "odd.json.json").read_text(encoding="utf-8"))["csv"] == "odd.json"
    )
    profiles_to_csv([profile], tmp_path / "plain")
    assert (tmp_path / "plain.json").exists()
