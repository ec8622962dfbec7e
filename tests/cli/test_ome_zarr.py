"""OME-Zarr (NGFF) out of and into the command: axes, units, scale and translation."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import napari_derivatives as nd
from napari_derivatives._cli import main


def one_line_error(capsys):
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def multiscale(path):
    attributes = zarr.open_group(str(path), mode="r").attrs.asdict()
    assert attributes["ome"]["version"] == "0.5"
    (entry,) = attributes["ome"]["multiscales"]
    return entry


def ramp(shape, slopes):
    """A volume rising by ``slopes[i]`` counts per pixel along axis i."""
    grids = np.meshgrid(*[np.arange(n, dtype=np.float64) for n in shape], indexing="ij")
    return (100 + sum(s * g for s, g in zip(slopes, grids, strict=True))).astype(np.float32)


@pytest.fixture
def plain_volume(tmp_path):
    volume = ramp((6, 20, 24), (5.0, -1.0, 3.0))
    path = tmp_path / "volume.zarr"
    zarr.create_array(str(path), shape=volume.shape, chunks=(2, 10, 12), dtype="f4")[:] = volume
    return path, volume


def test_each_output_is_an_ngff_image_at_its_physical_size(tmp_path, plain_volume):
    source, volume = plain_volume
    out = tmp_path / "out.zarr"
    argv = ["gradient", str(source), str(out), "--outputs", "gx,gz,magnitude", "--quiet"]
    assert main([*argv, "--spacing", "2,0.5,0.25", "--units", "um"]) == 0
    root = zarr.open_group(str(out), mode="r")
    assert sorted(root.group_keys()) == ["gx", "gz", "magnitude"]
    # A ramp of 3 counts per pixel along x with 0.25 µm pixels: 12 counts per µm.
    np.testing.assert_allclose(root["gx/0"][:], 12.0, rtol=1e-6)
    np.testing.assert_allclose(root["gz/0"][:], 2.5, rtol=1e-6)
    np.testing.assert_allclose(root["magnitude/0"][:], np.sqrt(12**2 + 2.5**2 + 2**2), rtol=1e-6)
    for name in ("gx", "gz", "magnitude"):
        entry = multiscale(out / name)
        assert entry["name"] == name
        assert entry["axes"] == [
            {"name": "z", "type": "space", "unit": "micrometer"},
            {"name": "y", "type": "space", "unit": "micrometer"},
            {"name": "x", "type": "space", "unit": "micrometer"},
        ]
        (level,) = entry["datasets"]
        assert level == {
            "path": "0",
            "coordinateTransformations": [{"type": "scale", "scale": [2.0, 0.5, 0.25]}],
        }
        assert root[f"{name}/0"].shape == volume.shape
        assert root[f"{name}/0"].metadata.dimension_names == ("z", "y", "x")
    assert root.attrs["napari_derivatives"]["value_unit"] == "intensity per micrometer"


def ngff_image(path, data, axes, scale, translation, version="0.5"):
    """Write an OME-Zarr image by hand, as another program would."""
    fmt = 3 if version == "0.5" else 2
    group = zarr.open_group(str(path), mode="w", zarr_format=fmt)
    multiscales = [
        {
            "version": version,
            "axes": axes,
            "datasets": [
                {
                    "path": "s0",
                    "coordinateTransformations": [
                        {"type": "scale", "scale": scale},
                        {"type": "translation", "translation": translation},
                    ],
                },
                {"path": "s1", "coordinateTransformations": [{"type": "scale", "scale": scale}]},
            ],
        }
    ]
    if version == "0.5":
        group.attrs["ome"] = {"version": "0.5", "multiscales": multiscales}
    else:
        group.attrs["multiscales"] = multiscales
    group.create_array("s0", shape=data.shape, chunks=data.shape, dtype=data.dtype)[:] = data
    # A coarser level that must not be read: garbage values.
    group.create_array("s1", shape=(2, 2, 2), dtype=data.dtype)[:] = -1e9
    return path


TIME_LAPSE_AXES = [
    {"name": "t", "type": "time", "unit": "second"},
    {"name": "y", "type": "space", "unit": "micrometer"},
    {"name": "x", "type": "space", "unit": "micrometer"},
]


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_an_ome_zarr_input_gives_spacing_units_and_space_axes(tmp_path, version, capsys):
    # 4 counts per pixel along x, 0.5 µm pixels: 8 counts per µm; the intensity also
    # changes in time (7 per frame), which must not be differentiated as space.
    data = ramp((5, 16, 18), (7.0, 0.0, 4.0))
    axes, scale, shift = TIME_LAPSE_AXES, [30.0, 0.5, 0.5], [0.0, 10.0, -2.5]
    source = ngff_image(tmp_path / "movie.zarr", data, axes, scale, shift, version)
    out = tmp_path / "out.zarr"
    assert main(["gradient", str(source), str(out), "--quiet"]) == 0
    capsys.readouterr()
    root = zarr.open_group(str(out), mode="r")
    np.testing.assert_allclose(root["gx/0"][:], 8.0, rtol=1e-6)
    np.testing.assert_allclose(root["gy/0"][:], 0.0, atol=1e-5)
    np.testing.assert_allclose(root["magnitude/0"][:], 8.0, rtol=1e-6)
    entry = multiscale(out / "gx")
    assert entry["axes"] == TIME_LAPSE_AXES
    (level,) = entry["datasets"]
    assert level["coordinateTransformations"] == [
        {"type": "scale", "scale": scale},
        {"type": "translation", "translation": shift},
    ]
    assert root.attrs["napari_derivatives"]["axes"] == [1, 2]
    # gz would differentiate time: there are only two space axes.
    assert main(["gradient", str(source), str(tmp_path / "z.zarr"), "--outputs", "gz"]) == 2
    assert "--outputs" in one_line_error(capsys)


def test_options_override_the_file_metadata(tmp_path):
    data = ramp((5, 16, 18), (7.0, 0.0, 4.0))
    source = ngff_image(tmp_path / "m.zarr", data, TIME_LAPSE_AXES, [30, 0.5, 0.5], [0, 0, 0])
    out = tmp_path / "out.zarr"
    argv = ["gradient", str(source), str(out), "--spacing", "1,2,2", "--units", "s,nm,nm"]
    assert main([*argv, "--axes=-1", "--outputs", "gx", "--quiet"]) == 0
    np.testing.assert_allclose(zarr.open_array(str(out / "gx/0"))[:], 2.0, rtol=1e-6)
    entry = multiscale(out / "gx")
    assert [axis["unit"] for axis in entry["axes"]] == ["second", "nanometer", "nanometer"]
    assert entry["datasets"][0]["coordinateTransformations"][0]["scale"] == [1.0, 2.0, 2.0]


def test_outputs_read_back_as_inputs(tmp_path, plain_volume, capsys):
    source, _ = plain_volume
    first = tmp_path / "first.zarr"
    argv = ["gradient", str(source), str(first), "--outputs", "gx,gy", "--quiet"]
    assert main([*argv, "--spacing", "2,0.5,0.25", "--units", "um"]) == 0
    # gx is 12 counts per µm everywhere: its own gradient is 0, and its pixel size
    # comes from the metadata, as a profile's distance shows.
    for path in (first / "gx", first / "gx" / "0"):
        second = tmp_path / f"second-{path.name}.zarr"
        assert main(["gradient", str(path), str(second), "--outputs", "gx", "--quiet"]) == 0
        np.testing.assert_allclose(zarr.open_array(str(second / "gx/0"))[:], 0.0, atol=1e-4)
        assert multiscale(second / "gx")["datasets"][0]["coordinateTransformations"] == [
            {"type": "scale", "scale": [2.0, 0.5, 0.25]}
        ]
    csv = tmp_path / "line.csv"
    line = ["--line", "0,0,0,0,0,20"]
    assert main(["profile", str(first / "gx"), *line, "--csv", str(csv), "--quiet"]) == 0
    table = np.genfromtxt(csv, delimiter=",", names=True, encoding="utf-8")
    # The metadata's unit names the columns, as the CSV spells it.
    assert table["distance_µm"][-1] == pytest.approx(20 * 0.25)
    np.testing.assert_allclose(table["intensity"], 12.0, rtol=1e-6)
    # The store holds two images: say which to choose.
    assert main(["gradient", str(first), str(tmp_path / "x.zarr")]) == 2
    message = one_line_error(capsys)
    assert "2 OME-Zarr images (gx, gy)" in message
    assert str(first / "gx") in message


def test_bad_units_and_bad_metadata_exit_2_with_one_line(tmp_path, plain_volume, capsys):
    source, _ = plain_volume
    out = str(tmp_path / "out.zarr")
    assert main(["gradient", str(source), out, "--units", "furlong"]) == 2
    assert "--units must be NGFF unit names" in one_line_error(capsys)
    assert main(["gradient", str(source), out, "--units", "um,um"]) == 2
    assert "--units must be one unit or 3" in one_line_error(capsys)
    data = ramp((4, 8, 8), (1.0, 1.0, 1.0))
    bad = ngff_image(tmp_path / "bad.zarr", data, TIME_LAPSE_AXES, [1, 0, 1], [0, 0, 0])
    assert main(["gradient", str(bad), out]) == 2
    assert "bad.zarr: its OME-Zarr scale must be finite and > 0" in one_line_error(capsys)
    short = ngff_image(tmp_path / "short.zarr", data, TIME_LAPSE_AXES, [1, 1], [0, 0, 0])
    assert main(["gradient", str(short), out]) == 2
    assert "its scale has 2 values for 3 axes" in one_line_error(capsys)
    assert not (tmp_path / "out.zarr").exists()


def test_the_api_values_are_kept(tmp_path, plain_volume):
    source, volume = plain_volume
    out = tmp_path / "out.zarr"
    assert main(["gradient", str(source), str(out), "--method", "farid", "--quiet"]) == 0
    expected = nd.gradient_outputs(volume, method="farid")
    for name, want in expected.items():
        np.testing.assert_array_equal(zarr.open_array(str(out / name / "0"))[:], want)
