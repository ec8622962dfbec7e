"""The napari-derivatives command: batch gradients and profiles, locally and on a cluster."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from importlib.metadata import entry_points

import numpy as np
import pytest
import tifffile
import zarr

import napari_derivatives as nd
from napari_derivatives import _cli
from napari_derivatives._cli import main

ALL_3D = ("gx", "gy", "gz", "magnitude", "direction")


@pytest.fixture
def volume(rng):
    return rng.integers(0, 4000, size=(10, 24, 28), dtype=np.uint16)


@pytest.fixture
def zarr_volume(tmp_path, volume):
    path = tmp_path / "volume.zarr"
    array = zarr.create_array(str(path), shape=volume.shape, chunks=(3, 8, 16), dtype="uint16")
    array[:] = volume
    return path


def one_line_error(capsys):
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_the_console_script_is_declared():
    (script,) = [
        ep for ep in entry_points(group="console_scripts") if ep.name == "napari-derivatives"
    ]
    assert script.value == "napari_derivatives._cli:main"


def test_zarr_input_gives_a_zarr_group_with_the_api_values(tmp_path, zarr_volume, volume):
    out = tmp_path / "gradients.zarr"
    argv = [
        "gradient",
        str(zarr_volume),
        str(out),
        "--method",
        "sobel",
        "--outputs",
        ",".join(ALL_3D),
        "--spacing",
        "2,0.5,0.25",
        "--mode",
        "reflect",
        "--quiet",
    ]
    assert main(argv) == 0
    group = zarr.open_group(str(out), mode="r")
    expected = nd.gradient_outputs(
        volume, ALL_3D, method="sobel", spacing=(2, 0.5, 0.25), mode="reflect"
    )
    assert sorted(group.group_keys()) == sorted(ALL_3D)
    for name in ALL_3D:
        stored = group[f"{name}/0"]
        assert stored.dtype == np.float32
        assert stored.chunks == (3, 8, 16)
        np.testing.assert_array_equal(stored[:], expected[name], err_msg=name)
    assert group.attrs["napari_derivatives"]["method"] == "sobel"
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


@pytest.mark.parametrize("suffix", [".tif", ".npy"])
def test_tiff_and_npy_inputs_give_a_folder_of_files(tmp_path, volume, suffix, capsys):
    source = tmp_path / f"volume{suffix}"
    if suffix == ".tif":
        tifffile.imwrite(source, volume)
    else:
        np.save(source, volume)
    out = tmp_path / "out"
    argv = ["gradient", str(source), str(out), "--method", "gaussian", "--sigma", "1.5"]
    assert main([*argv, "--axes=-2,-1", "--outputs", "gx,gy,direction"]) == 0
    assert "wrote gx, gy, direction" in capsys.readouterr().err
    expected = nd.gradient_outputs(
        volume, ("gx", "gy", "direction"), method="gaussian", sigma=1.5, axes=(-2, -1)
    )
    for name, want in expected.items():
        path = out / f"{name}{suffix}"
        got = tifffile.imread(path) if suffix == ".tif" else np.load(path)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)


def test_a_group_with_one_array_or_a_path_inside_it(tmp_path, volume):
    store = tmp_path / "store.zarr"
    root = zarr.open_group(str(store), mode="w")
    root.create_group("scans").create_array("a", shape=volume.shape, dtype="uint16")[:] = volume
    expected = nd.gradient_magnitude(volume, method="scharr")
    for source in (store, store / "scans", store / "scans" / "a"):
        out = tmp_path / f"{source.name}-magnitude.zarr"
        argv = ["gradient", str(source), str(out), "--method", "scharr", "--quiet"]
        assert main([*argv, "--outputs", "magnitude"]) == 0
        np.testing.assert_array_equal(zarr.open_array(str(out / "magnitude/0"))[:], expected)


def test_unreadable_inputs_exit_2_with_one_line(tmp_path, volume, capsys):
    out = str(tmp_path / "out.zarr")
    assert main(["gradient", str(tmp_path / "missing.tif"), out]) == 2
    assert "no such file" in one_line_error(capsys)
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"not a tiff at all")
    assert main(["gradient", str(junk), out]) == 2
    assert one_line_error(capsys).startswith("napari-derivatives: error: cannot read")
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["gradient", str(tmp_path / "notes.txt"), out]) == 2
    assert "expected a .tif" in one_line_error(capsys)
    root = zarr.open_group(str(tmp_path / "two.zarr"), mode="w")
    root.create_array("a", shape=(4, 4), dtype="f4")
    root.create_array("b", shape=(4, 4), dtype="f4")
    assert main(["gradient", str(tmp_path / "two.zarr"), out]) == 2
    assert "2 arrays (a, b)" in one_line_error(capsys)
    assert not (tmp_path / "out.zarr").exists()


def test_bad_options_exit_2_with_one_line(tmp_path, zarr_volume, capsys):
    out = str(tmp_path / "out.zarr")
    assert main(["gradient", str(zarr_volume), out, "--outputs", "gx,curl"]) == 2
    assert "outputs" in one_line_error(capsys)
    assert main(["gradient", str(zarr_volume), out, "--spacing", "1,2"]) == 2
    assert "spacing" in one_line_error(capsys)
    assert main(["gradient", str(zarr_volume), out, "--spacing", "a,b,c"]) == 2
    assert "--spacing" in one_line_error(capsys)
    assert main(["gradient", str(zarr_volume), str(tmp_path / "out_folder")]) == 2
    assert "must end in .zarr" in one_line_error(capsys)
    # argparse's errors too: one line, without the usage.
    assert main(["gradient", str(zarr_volume), out, "--method", "laplace"]) == 2
    assert "argument --method: invalid choice: 'laplace'" in one_line_error(capsys)
    assert not (tmp_path / "out.zarr").exists()


def test_the_installed_command_prints_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "napari_derivatives._cli", "gradient", "nope.npy", "out"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "napari-derivatives: error: cannot read nope.npy: no such file or directory"
    )


def test_existing_outputs_are_kept_unless_overwrite(tmp_path, zarr_volume, volume, capsys):
    out = tmp_path / "out.zarr"
    argv = ["gradient", str(zarr_volume), str(out), "--outputs", "gx", "--quiet"]
    assert main(argv) == 0
    before = zarr.open_array(str(out / "gx/0"))[:]
    assert main([*argv[:4], "magnitude", "--quiet"]) == 2
    assert "--overwrite" in one_line_error(capsys)
    np.testing.assert_array_equal(zarr.open_array(str(out / "gx/0"))[:], before)
    assert main([*argv[:4], "magnitude", "--quiet", "--overwrite"]) == 0
    assert sorted(zarr.open_group(str(out), mode="r").group_keys()) == ["magnitude"]
    np.testing.assert_array_equal(
        zarr.open_array(str(out / "magnitude/0"))[:], nd.gradient_magnitude(volume)
    )


def test_a_failed_run_leaves_no_output_behind(tmp_path, zarr_volume, monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise RuntimeError("a bug halfway")

    def out_of_memory(*args, **kwargs):
        raise MemoryError("out of memory halfway")

    out = tmp_path / "out.zarr"
    argv = ["gradient", str(zarr_volume), str(out), "--quiet"]
    monkeypatch.setattr(_cli, "compute", fail)
    with pytest.raises(RuntimeError):  # a bug keeps its traceback
        main(argv)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["volume.zarr"]
    monkeypatch.setattr(_cli, "compute", out_of_memory)
    assert main(argv) == 2
    assert one_line_error(capsys).endswith(": out of memory halfway")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["volume.zarr"]
    # An existing output survives a failed --overwrite.
    monkeypatch.undo()
    assert main(argv) == 0
    before = zarr.open_group(str(out), mode="r")["gx/0"][:]
    for failure in (fail, out_of_memory):
        monkeypatch.setattr(_cli, "compute", failure)
        with contextlib.suppress(RuntimeError):
            main([*argv, "--overwrite"])
        np.testing.assert_array_equal(zarr.open_group(str(out), mode="r")["gx/0"][:], before)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.zarr", "volume.zarr"]


def test_progress_goes_to_stderr_unless_quiet(tmp_path, zarr_volume, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["gradient", str(zarr_volume), str(tmp_path / "a.zarr")]) == 0
    captured = capsys.readouterr()
    assert "100% Completed" in captured.err
    assert captured.out == ""
    assert main(["gradient", str(zarr_volume), str(tmp_path / "b.zarr"), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_progress_only_on_a_terminal(tmp_path, zarr_volume, capsys):
    # In a log, a failure stays one line: no progress bar stopped halfway above it.
    assert main(["gradient", str(zarr_volume), str(tmp_path / "a.zarr")]) == 0
    assert capsys.readouterr() == ("", f"wrote gx, gy, magnitude to {tmp_path / 'a.zarr'}\n")


def test_profile_writes_the_panel_csv(tmp_path, volume, capsys):
    source = tmp_path / "volume.npy"
    np.save(source, volume)
    csv = tmp_path / "lines.csv"
    options = {"step": 0.5, "order": 3, "width": 3, "smooth": 1.0, "reduce": "median"}
    argv = ["profile", str(source), "--csv", str(csv), "--spacing", "2,0.5,0.5", "--quiet"]
    argv += ["--line", "3,2,2,3,20,25", "--line", "1,1,1,5,10,20,8,22,3"]
    argv += ["--step", "0.5", "--order", "3", "--width", "3", "--smooth", "1"]
    argv += ["--reduce", "median", "--mode", "reflect"]
    assert main(argv) == 0
    paths = [[[3, 2, 2], [3, 20, 25]], [[1, 1, 1], [5, 10, 20], [8, 22, 3]]]
    profiles = [
        nd.line_profile(volume, path, spacing=(2, 0.5, 0.5), mode="reflect", **options)
        for path in paths
    ]
    nd.profiles_to_csv(profiles, tmp_path / "expected.csv")
    assert csv.read_text() == (tmp_path / "expected.csv").read_text()
    assert main(argv) == 2
    assert "--overwrite" in one_line_error(capsys)
    assert main([*argv[:2], "--csv", str(tmp_path / "b.csv"), "--line", "1,2,3,4"]) == 2
    assert "multiple of 3" in one_line_error(capsys)
    assert not (tmp_path / "b.csv").exists()


def test_profile_and_gradient_take_the_spline_options(tmp_path, capsys):
    # I = x**2 + 3 y: the interpolant's slope along a row is 2 x, per pixel of 0.5: 4 x.
    rows, cols = np.mgrid[0:20, 0:40].astype(np.float64)
    source = tmp_path / "quadratic.npy"
    np.save(source, cols**2 + 3 * rows)
    csv = tmp_path / "line.csv"
    argv = ["profile", str(source), "--csv", str(csv), "--line", "10,8,10,30", "--quiet"]
    argv += ["--order", "3", "--derivative-of", "interpolant", "--spacing", "0.5"]
    assert main(argv) == 0
    path = [[10, 8], [10, 30]]
    expected = nd.line_profile(
        cols**2 + 3 * rows, path, order=3, spacing=0.5, derivative_of="interpolant"
    )
    # 9 pixels from the border at x = 30, where the spline bends by 0.27 ** 9 of it.
    np.testing.assert_allclose(expected.derivative, 4 * expected.coords[:, 1], rtol=1e-4)
    nd.profiles_to_csv([expected], tmp_path / "expected.csv")
    assert csv.read_text() == (tmp_path / "expected.csv").read_text()
    out = tmp_path / "out"
    argv = ["gradient", str(source), str(out), "--method", "spline", "--outputs", "gx,gy"]
    assert main([*argv, "--quiet"]) == 0
    d_col = np.load(out / "gx.npy")
    want = nd.gradient_outputs(cols**2 + 3 * rows, ("gx",), method="spline")["gx"]
    np.testing.assert_array_equal(d_col, want)
    # A quadratic is exact away from the border (its extension bends it within ~10 px).
    np.testing.assert_allclose(d_col[:, 12:-12], 2 * cols[:, 12:-12], rtol=1e-5)
    np.testing.assert_allclose(np.load(out / "gy.npy"), 3.0, rtol=1e-5)


@pytest.fixture
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    ) as local:
        yield local


def test_a_cluster_gives_the_single_machine_result(tmp_path, zarr_volume, volume, cluster):
    common = ["--method", "farid", "--outputs", "gx,gz,magnitude", "--spacing", "3,1,1"]
    assert main(["gradient", str(zarr_volume), str(tmp_path / "here.zarr"), *common]) == 0
    argv = ["gradient", str(zarr_volume), str(tmp_path / "there.zarr"), *common]
    assert main([*argv, "--scheduler", cluster.scheduler_address]) == 0
    here = zarr.open_group(str(tmp_path / "here.zarr"), mode="r")
    there = zarr.open_group(str(tmp_path / "there.zarr"), mode="r")
    for name in ("gx", "gz", "magnitude"):
        np.testing.assert_array_equal(there[f"{name}/0"][:], here[f"{name}/0"][:])
    csv = tmp_path / "line.csv"
    argv = ["profile", str(zarr_volume), "--line", "2,0,0,7,23,27", "--csv", str(csv)]
    assert main([*argv, "--scheduler", cluster.scheduler_address, "--quiet"]) == 0
    nd.profiles_to_csv([nd.line_profile(volume, [[2, 0, 0], [7, 23, 27]])], tmp_path / "e.csv")
    assert csv.read_text() == (tmp_path / "e.csv").read_text()


def test_an_unreachable_scheduler_exits_2(tmp_path, zarr_volume, capsys):
    argv = ["gradient", str(zarr_volume), str(tmp_path / "out.zarr"), "--quiet"]
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "cannot connect to the scheduler" in one_line_error(capsys)
    assert not (tmp_path / "out.zarr").exists()


class RecordingArray:
    """An array that records the boxes read from it, as dask hands them over."""

    def __init__(self, array):
        self.array = array
        self.shape, self.dtype, self.ndim = array.shape, array.dtype, array.ndim
        self.reads = []

    def __getitem__(self, key):
        self.reads.append(key)
        return self.array[key]


@pytest.mark.parametrize("order", [1, 3])
def test_profile_reads_only_the_chunks_under_the_line(tmp_path, rng, monkeypatch, order):
    import dask.array as da

    image = rng.normal(size=(64, 256)).astype(np.float32)
    recording = RecordingArray(image)
    lazy = da.from_array(recording, chunks=(16, 16), asarray=True)
    monkeypatch.setattr(_cli, "read_image", lambda path: (lazy, "zarr", None))
    csv = tmp_path / "line.csv"
    argv = ["profile", "image.zarr", "--line", "40,10,40,30", "--csv", str(csv)]
    assert main([*argv, "--order", str(order), "--quiet"]) == 0
    # dask reads an empty box once for the array's type; every other read is a chunk.
    reads = [key for key in recording.reads if key[0].stop > key[0].start]
    rows = {key[0].start // 16 for key in reads}
    columns = {key[1].start // 16 for key in reads}
    # The line lies in chunk row 2 and chunk columns 0-1; cubic reads a window of
    # 16 pixels more on each side, so never more than a few of the 64 chunks.
    assert rows <= {1, 2, 3} and columns <= {0, 1, 2, 3}
    assert 0 < len(reads) <= 12 < 64
    expected = nd.line_profile(image, [[40, 10], [40, 30]], order=order)
    nd.profiles_to_csv([expected], tmp_path / "expected.csv")
    if order == 1:
        assert csv.read_text() == (tmp_path / "expected.csv").read_text()
    got = np.genfromtxt(csv, delimiter=",", names=True)
    want = np.genfromtxt(tmp_path / "expected.csv", delimiter=",", names=True)
    for name in want.dtype.names:
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=1e-6, err_msg=name)


@pytest.mark.parametrize(("channels", "planar"), [(3, "contig"), (4, "contig"), (3, "separate")])
def test_an_rgb_tiff_is_differentiated_as_its_luminance(tmp_path, rng, channels, planar):
    rgb = rng.integers(0, 256, size=(40, 50, channels), dtype=np.uint8)
    source = tmp_path / "colour.tif"
    stored = rgb if planar == "contig" else np.moveaxis(rgb, -1, 0)
    extra = {"extrasamples": ["unassalpha"]} if channels == 4 else {}
    tifffile.imwrite(source, stored, photometric="rgb", planarconfig=planar, **extra)
    luminance = nd.rgb_to_luminance(rgb)

    out = tmp_path / "out"
    argv = ["gradient", str(source), str(out), "--outputs", "gx,gy,magnitude", "--quiet"]
    assert main(argv) == 0
    expected = nd.gradient_outputs(luminance, ("gx", "gy", "magnitude"))
    for name, want in expected.items():
        got = tifffile.imread(out / f"{name}.tif")
        assert got.shape == (40, 50)
        np.testing.assert_array_equal(got, want, err_msg=name)

    csv = tmp_path / "line.csv"
    argv = ["profile", str(source), "--line", "5,3,30,45", "--csv", str(csv), "--quiet"]
    assert main(argv) == 0
    nd.profiles_to_csv([nd.line_profile(luminance, [[5, 3], [30, 45]])], tmp_path / "e.csv")
    assert csv.read_text() == (tmp_path / "e.csv").read_text()


def test_shared_gradient_outputs_build_the_graph_once(monkeypatch, volume):
    # The command line computes its outputs with gradient_outputs(..., shared=True).
    import dask.array as da

    from napari_derivatives._core import lazy

    calls = []
    engine = lazy.differentiate

    def counting_engine(*args, **kwargs):
        calls.append(kwargs)
        return engine(*args, **kwargs)

    monkeypatch.setattr(lazy, "differentiate", counting_engine)
    image = da.from_array(volume, chunks=(5, 12, 14))
    results = nd.gradient_outputs(image, ("gx", "magnitude"), method="sobel", shared=True)
    assert len(calls) == 1
    expected = nd.gradient_outputs(volume, ("gx", "magnitude"), method="sobel")
    for name, want in expected.items():
        np.testing.assert_array_equal(results[name].compute(), want, err_msg=name)
    with pytest.raises(ValueError, match="outputs"):
        nd.gradient_outputs(image, ("gx", "gx"), shared=True)
