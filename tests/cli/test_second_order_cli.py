"""The command's second-order and colour outputs: the values of the Python API, in files."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
import zarr

import napari_derivatives as nd
from napari_derivatives._cli import main
from napari_derivatives._core.colour import colour_survey, direction_colour
from napari_derivatives._core.named_outputs import derivative_outputs


def one_line_error(capsys):
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def quadratic(tmp_path):
    """I = 1.5 Y^2 - 0.75 X Y + 0.25 X^2 at spacing (0.5, 2): Hyy 3, Hyx -0.75, Hxx 0.5."""
    rows, cols = np.mgrid[0:48, 0:40].astype(np.float64)
    y, x = rows * 0.5, cols * 2.0
    data = 1.5 * y**2 - 0.75 * x * y + 0.25 * x**2
    path = tmp_path / "quadratic.npy"
    np.save(path, data)
    return path, data


@pytest.fixture
def grating():
    rows, cols = np.mgrid[0:64, 0:64].astype(np.float64)
    return 1000 + 500 * np.sin(2 * np.pi * (cols * np.cos(0.6) + rows * np.sin(0.6)) / 8)


def test_hessian_outputs_are_in_physical_units(tmp_path, quadratic, capsys):
    path, data = quadratic
    out = tmp_path / "out"
    names = "Hyy,Hyx,Hxx,laplacian,hessian_eigenvalue_1,hessian_eigenvalue_2"
    argv = ["gradient", str(path), str(out), "--outputs", names, "--spacing", "0.5,2"]
    assert main([*argv, "--method", "gaussian", "--sigma", "1"]) == 0
    assert f"wrote {names.replace(',', ', ')}" in capsys.readouterr().err
    low, high = np.linalg.eigvalsh([[3.0, -0.75], [-0.75, 0.5]])
    expected = {
        "Hyy": 3.0,
        "Hyx": -0.75,
        "Hxx": 0.5,
        "laplacian": 3.5,
        "hessian_eigenvalue_1": high,
        "hessian_eigenvalue_2": low,
    }
    for name, value in expected.items():
        got = np.load(out / f"{name}.npy")
        assert got.dtype == np.float32
        np.testing.assert_allclose(got[12:-12, 12:-12], value, rtol=1e-4, atol=1e-4)
    api = nd.hessian(data, sigma=1.0, spacing=(0.5, 2.0))
    np.testing.assert_array_equal(np.load(out / "Hyx.npy"), api[1])


def test_structure_outputs_take_rho_and_colours_are_rgb(tmp_path, grating):
    source = tmp_path / "grating.tif"
    tifffile.imwrite(source, grating.astype(np.float32))
    out = tmp_path / "out"
    names = "orientation,coherence,structure_eigenvalue_1,colour_survey,direction_colour"
    argv = ["gradient", str(source), str(out), "--outputs", names, "--quiet"]
    assert main([*argv, "--rho", "4", "--contrast-limits", "500,1500"]) == 0
    image = grating.astype(np.float32)
    angle = tifffile.imread(out / "orientation.tif")
    np.testing.assert_allclose(angle[20:-20, 20:-20], 0.6, atol=np.radians(0.5))
    np.testing.assert_array_equal(angle, nd.orientation(image, rho=4.0))
    np.testing.assert_array_equal(
        tifffile.imread(out / "coherence.tif"), nd.coherence(image, rho=4.0)
    )
    survey = tifffile.imread(out / "colour_survey.tif")
    assert survey.dtype == np.uint8 and survey.shape == (64, 64, 3)
    expected = colour_survey(
        nd.orientation(image, rho=4.0),
        nd.coherence(image, rho=4.0),
        image,
        contrast_limits=(500, 1500),
    )
    np.testing.assert_array_equal(survey, expected)
    colour = tifffile.imread(out / "direction_colour.tif")
    assert colour.shape == (64, 64, 3)
    gradients = nd.gradient_outputs(image, ("direction", "magnitude"))
    scale = float(np.percentile(gradients["magnitude"], 99))
    expected = direction_colour(gradients["direction"], gradients["magnitude"], scale=scale)
    np.testing.assert_array_equal(colour, expected)


def test_zarr_outputs_keep_their_dtype_and_chunks(tmp_path, grating):
    """Each output is an OME-Zarr image; a colour picture's RGB is its channel axis c, first."""
    source = tmp_path / "grating.zarr"
    array = zarr.create_array(str(source), shape=grating.shape, chunks=(16, 32), dtype="f8")
    array[:] = grating
    out = tmp_path / "out.zarr"
    argv = ["gradient", str(source), str(out), "--outputs", "laplacian,colour_survey", "--quiet"]
    assert main([*argv, "--method", "central"]) == 0
    group = zarr.open_group(str(out), mode="r")
    laplacian, survey = group["laplacian/0"], group["colour_survey/0"]
    assert laplacian.dtype == np.float32 and laplacian.chunks == (16, 32)
    assert survey.dtype == np.uint8 and survey.shape == (3, *grating.shape)
    assert survey.chunks == (3, 16, 32)
    axes = group["colour_survey"].attrs["ome"]["multiscales"][0]["axes"]
    assert axes[0] == {"name": "c", "type": "channel"}
    assert len(axes) == 3
    np.testing.assert_array_equal(laplacian[:], nd.laplacian(grating, method="central"))
    expected = derivative_outputs(grating, ["colour_survey"], method="central")
    np.testing.assert_array_equal(np.moveaxis(survey[:], 0, -1), expected["colour_survey"])
    assert group.attrs["napari_derivatives"]["rho"] == 2.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--outputs", "Hxx", "--method", "sobel"], "--method must be one of ('gaussian'"),
        (["--outputs", "coherence", "--rho", "0"], "--rho must be a finite number > 0"),
        (["--outputs", "colour_survey", "--contrast-limits", "5,5"], "--contrast-limits must"),
        (["--outputs", "Hzz"], "--outputs"),
        (["--outputs", "orientation", "--axes", "0"], "--axes must name exactly two axes"),
    ],
)
def test_bad_second_order_options_exit_2_with_one_line(
    tmp_path, quadratic, capsys, options, message
):
    path, _ = quadratic
    assert main(["gradient", str(path), str(tmp_path / "out"), *options]) == 2
    line = one_line_error(capsys)
    assert message in line, line
    assert not (tmp_path / "out").exists()


def test_the_help_lists_every_output(capsys):
    from napari_derivatives._core.named_outputs import ALL_OUTPUTS

    with pytest.raises(SystemExit):
        main(["gradient", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in ALL_OUTPUTS:
        assert name in text
    assert "--rho" in text and "--contrast-limits" in text


def test_every_output_id_is_accepted(tmp_path, capsys):
    rows, cols = np.mgrid[0:16, 0:16].astype(np.float64)
    volume = np.stack([rows * cols + k for k in range(4)]).astype(np.float32)
    source = tmp_path / "v.npy"
    np.save(source, volume)
    from napari_derivatives._core.named_outputs import ALL_OUTPUTS

    planes = ("orientation", "coherence", "colour_survey")
    for axes, names in (
        ("0,1,2", [name for name in ALL_OUTPUTS if name not in planes]),
        ("1,2", [name for name in ALL_OUTPUTS if "z" not in name and not name.endswith("_3")]),
    ):
        out = tmp_path / f"out{axes}"
        argv = ["gradient", str(source), str(out), "--outputs", ",".join(names)]
        assert main([*argv, "--axes", axes, "--method", "gaussian", "--quiet"]) == 0, (
            capsys.readouterr().err
        )
        assert sorted(path.stem for path in out.iterdir()) == sorted(names)
