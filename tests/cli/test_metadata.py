"""The command line reads pixel sizes from ImageJ and OME TIFF metadata, and writes a record."""

from __future__ import annotations

import json

import numpy as np
import pandas
import pytest
import tifffile

import napari_derivatives as nd
from napari_derivatives._cli import main


@pytest.fixture
def ramp_yx():
    """I = 3x + 2y on a 20 x 30 image, as float32."""
    y, x = np.mgrid[0:20, 0:30].astype(np.float32)
    return 3 * x + 2 * y


def write_imagej(path, data, size, unit="micron", z=None):
    metadata = {"unit": unit} | ({} if z is None else {"spacing": z, "axes": "ZYX"})
    tifffile.imwrite(path, data, imagej=True, resolution=(1 / size, 1 / size), metadata=metadata)


def test_profile_reads_the_imagej_pixel_size_and_writes_the_record(tmp_path, ramp_yx, capsys):
    source = tmp_path / "ramp.tif"
    write_imagej(source, ramp_yx, 0.25)
    csv = tmp_path / "profiles.csv"
    assert main(["profile", str(source), "--csv", str(csv), "--line", "5,2,5,22"]) == 0
    assert "spacing from TIFF metadata: 0.25 0.25 µm" in capsys.readouterr().err
    table = pandas.read_csv(csv)
    assert list(table.columns) == [
        "line", "distance_µm", "row_px", "col_px", "row_µm", "col_µm", "intensity",
        "derivative_per_µm",
    ]  # fmt: skip
    # 3 per pixel along x, pixels of 0.25 µm: 12 per µm over 20 px = 5 µm.
    np.testing.assert_allclose(table["derivative_per_µm"], 12.0, rtol=1e-6)
    assert table["distance_µm"].iloc[-1] == pytest.approx(5.0)
    np.testing.assert_allclose(table["col_µm"], table["col_px"] * 0.25)
    record = json.loads((tmp_path / "profiles.json").read_text(encoding="utf-8"))
    assert record["csv"] == "profiles.csv" and record["image"] == str(source)
    assert record["spacing_from"] == "TIFF metadata" and record["distance_unit"] == "µm"
    [line] = record["lines"]
    assert line["spacing"] == [0.25, 0.25] and line["order"] == 1 and line["width"] == 1
    assert record["napari_derivatives_version"] == nd.__version__


def test_imagej_z_spacing_and_given_spacing_wins(tmp_path):
    volume = np.zeros((4, 10, 12), np.float32) + np.arange(4, dtype=np.float32)[:, None, None]
    source = tmp_path / "stack.tif"
    write_imagej(source, volume, 0.5, z=2.0)
    csv = tmp_path / "z.csv"
    # Along z: 1 per plane, planes 2 µm apart.
    assert (
        main(["profile", str(source), "--csv", str(csv), "--line", "0,5,5,3,5,5", "--quiet"]) == 0
    )
    table = pandas.read_csv(csv)
    np.testing.assert_allclose(table["derivative_per_µm"], 0.5)
    given = tmp_path / "given.csv"
    argv = ["profile", str(source), "--csv", str(given), "--line", "0,5,5,3,5,5", "--quiet"]
    assert main([*argv, "--spacing", "1"]) == 0
    table = pandas.read_csv(given)
    assert "distance_px" in table.columns
    np.testing.assert_allclose(table["derivative_per_px"], 1.0)


def test_profile_reads_the_ome_pixel_size(tmp_path, ramp_yx):
    source = tmp_path / "ramp.ome.tif"
    tifffile.imwrite(
        source,
        ramp_yx,
        ome=True,
        metadata={"axes": "YX", "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5,
                  "PhysicalSizeXUnit": "nm", "PhysicalSizeYUnit": "nm"},
    )  # fmt: skip
    csv = tmp_path / "ome.csv"
    assert main(["profile", str(source), "--csv", str(csv), "--line", "4,2,4,12", "--quiet"]) == 0
    table = pandas.read_csv(csv)
    np.testing.assert_allclose(table["derivative_per_nm"], 6.0, rtol=1e-6)


def test_gradient_uses_the_recorded_pixel_size(tmp_path, ramp_yx):
    source = tmp_path / "ramp.tif"
    write_imagej(source, ramp_yx, 0.25)
    out = tmp_path / "out"
    assert main(["gradient", str(source), str(out), "--outputs", "gx,gy", "--quiet"]) == 0
    gx = tifffile.imread(out / "gx.tif")
    np.testing.assert_allclose(gx[5:-5, 5:-5], 12.0, rtol=1e-5)


def test_a_plain_tiff_keeps_one_per_pixel(tmp_path, ramp_yx):
    source = tmp_path / "plain.tif"
    tifffile.imwrite(source, ramp_yx)
    csv = tmp_path / "plain.csv"
    assert main(["profile", str(source), "--csv", str(csv), "--line", "5,2,5,22", "--quiet"]) == 0
    table = pandas.read_csv(csv)
    np.testing.assert_allclose(table["derivative_per_px"], 3.0)
