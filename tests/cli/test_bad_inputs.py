"""Bad input a user can give: each ends with exit 2 and one line naming the option or file.

One row per distinct bad input: the command line, run in a folder of sample files, and
a part of the one line it must print. No row leaves an output behind.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest
import tifffile
import zarr

from napari_derivatives._cli import main

GRADIENT = ["gradient", "v.zarr", "out.zarr"]
PROFILE = ["profile", "v.npy", "--csv", "out.csv"]
LINE = ["--line", "1,2,3,4,5,6"]
GAUSSIAN = [*GRADIENT, "--method", "gaussian"]

CASES = {
    # options of `gradient`
    "unknown method": (
        [*GRADIENT, "--method", "laplace"],
        "argument --method: invalid choice: 'laplace'",
    ),
    "unknown mode": ([*GRADIENT, "--mode", "sideways"], "argument --mode: invalid choice"),
    "unknown output": ([*GRADIENT, "--outputs", "gx,curl"], "--outputs must be distinct names"),
    "no output": ([*GRADIENT, "--outputs", ","], "--outputs must be distinct names"),
    "repeated output": ([*GRADIENT, "--outputs", "gx,gx"], "--outputs must be distinct names"),
    "direction of one axis": ([*GRADIENT, "--axes=-1", "--outputs", "direction"], "--outputs"),
    "non-numeric spacing": ([*GRADIENT, "--spacing", "a,b,c"], "--spacing must be comma-sep"),
    "spacing of the wrong length": ([*GRADIENT, "--spacing", "1,2"], "--spacing must be"),
    "zero spacing": ([*GRADIENT, "--spacing", "0"], "--spacing must be finite and > 0"),
    "negative spacing": ([*GRADIENT, "--spacing=-1"], "--spacing must be finite and > 0"),
    "NaN spacing": ([*GRADIENT, "--spacing", "nan"], "--spacing must be finite and > 0"),
    "axis out of range": ([*GRADIENT, "--axes", "5"], "--axes entry 5 is out of range"),
    "negative axis out of range": ([*GRADIENT, "--axes=-4"], "--axes entry -4 is out of range"),
    "repeated axis": ([*GRADIENT, "--axes", "1,1"], "--axes must not repeat"),
    "non-integer axis": ([*GRADIENT, "--axes", "1.5"], "--axes must be comma-separated ints"),
    "non-numeric sigma": ([*GAUSSIAN, "--sigma", "abc"], "argument --sigma: invalid float"),
    "zero sigma": ([*GAUSSIAN, "--sigma", "0"], "--sigma must be"),
    "negative sigma": ([*GAUSSIAN, "--sigma=-2"], "--sigma must be"),
    "infinite sigma": ([*GAUSSIAN, "--sigma", "inf"], "--sigma must be"),
    "NaN sigma": ([*GAUSSIAN, "--sigma", "nan"], "--sigma must be"),
    "unknown option": ([*GRADIENT, "--colour", "red"], "unrecognized arguments: --colour"),
    "no OUTPUT": (["gradient", "v.zarr"], "required: OUTPUT"),
    "no command": ([], "required: command"),
    "axis of one pixel": (["gradient", "thin.npy", "out"], "axis 0, which has 1 sample"),
    "empty zarr array": (["gradient", "empty.zarr", "out.zarr"], "axis 0, which has 0 sample"),
    "zarr input, folder OUTPUT": (["gradient", "v.zarr", "out"], "OUTPUT must end in .zarr"),
    # inputs
    "missing input": (["gradient", "missing.npy", "out"], "cannot read missing.npy: no such"),
    "empty npy file": (["gradient", "empty.npy", "out"], "cannot read empty.npy: "),
    "empty TIFF file": (["gradient", "empty.tif", "out"], "cannot read empty.tif: not a TIFF"),
    "text named .tif": (["gradient", "text.tif", "out"], "cannot read text.tif: not a TIFF"),
    "unknown suffix": (["gradient", "notes.txt", "out"], "cannot read notes.txt: expected a"),
    "folder that is not zarr": (["gradient", "photos", "out"], "photos: a folder that is not"),
    "empty folder named .zarr": (["gradient", "plain.zarr", "out.zarr"], "plain.zarr: a folder"),
    "zarr group of two arrays": (["gradient", "two.zarr", "out.zarr"], "2 arrays (a, b)"),
    "zarr group without arrays": (["gradient", "none.zarr", "out.zarr"], "without arrays"),
    "0-d npy": (["gradient", "zero.npy", "out"], "zero.npy must have at least one axis"),
    "complex npy": (["gradient", "complex.npy", "out"], "complex.npy must be real-valued"),
    "npy of strings": (["gradient", "strings.npy", "out"], "strings.npy must be a numeric"),
    "npy of Python objects": (["gradient", "objects.npy", "out"], "cannot read objects.npy: "),
    # outputs
    "OUTPUT in a missing folder": (
        ["gradient", "v.npy", "nowhere/out"],
        "cannot write nowhere/out: nowhere does not exist",
    ),
    "OUTPUT in a file": (["gradient", "v.npy", "a-file/out"], "a-file is not a folder"),
    "existing OUTPUT": (["gradient", "v.npy", "done"], "done exists; pass --overwrite"),
    "--overwrite of the input": (
        ["gradient", "v.zarr", "v.zarr", "--overwrite"],
        "v.zarr exists and is not a zarr group written by napari-derivatives",
    ),
    "--overwrite of a folder of other files": (
        ["gradient", "v.npy", "photos", "--overwrite"],
        "photos exists and is not a folder of napari-derivatives outputs",
    ),
    "--overwrite of a file with a folder": (
        ["gradient", "v.npy", "a-file", "--overwrite"],
        "a-file exists and is not a folder",
    ),
    "existing --csv": (["profile", "v.npy", "--csv", "old.csv", *LINE], "old.csv exists"),
    "--csv --overwrite of a folder": (
        ["profile", "v.npy", "--csv", "photos", *LINE, "--overwrite"],
        "photos exists and is not a file",
    ),
    # the scheduler
    "closed scheduler port": (
        [*GRADIENT, "--scheduler", "tcp://127.0.0.1:1"],
        "cannot connect to the scheduler at tcp://127.0.0.1:1: Connection refused",
    ),
    "scheduler port out of range": (
        [*GRADIENT, "--scheduler", "127.0.0.1:99999"],
        "port 99999 is not in 1-65535",
    ),
    "unknown scheduler scheme": ([*GRADIENT, "--scheduler", "foo://x"], "unknown address scheme"),
    "scheduler without port": ([*GRADIENT, "--scheduler", "localhost"], "missing port number"),
    # options of `profile`
    "--line of too few numbers": ([*PROFILE, "--line", "1,2,3"], "--line '1,2,3': need at least"),
    "--line not whole vertices": ([*PROFILE, "--line", "1,2,3,4,5"], "a multiple of 3 numbers"),
    "--line with NaN": ([*PROFILE, "--line", "1,2,3,nan,5,6"], "--line '1,2,3,nan,5,6' vertic"),
    "--line with inf": ([*PROFILE, "--line", "1,2,3,inf,5,6"], "--line '1,2,3,inf,5,6' vertic"),
    "non-numeric --line": ([*PROFILE, "--line", "a,b,c,d"], "--line must be comma-separated"),
    "--line of zero length": ([*PROFILE, "--line", "1,2,3,1,2,3"], "has zero length"),
    "--line far outside": ([*PROFILE, "--line", "1e300,2,3,4,5,6"], "--line '1e300,2,3,4,5,6'"),
    "--step 0": ([*PROFILE, *LINE, "--step", "0"], "--step must be a finite number > 0"),
    "negative --step": ([*PROFILE, *LINE, "--step=-1"], "--step must be a finite number > 0"),
    "NaN --step": ([*PROFILE, *LINE, "--step", "nan"], "--step must be a finite number > 0"),
    "tiny --step": ([*PROFILE, *LINE, "--step", "1e-12"], "--step 1e-12 is too small"),
    "--width 0": ([*PROFILE, *LINE, "--width", "0"], "--width must be an integer >= 1"),
    "non-integer --width": ([*PROFILE, *LINE, "--width", "2.5"], "argument --width: invalid int"),
    "negative --smooth": ([*PROFILE, *LINE, "--smooth=-1"], "--smooth must be"),
    "huge --smooth": ([*PROFILE, *LINE, "--smooth", "1e300"], "--smooth 1e+300"),
    "unknown --order": ([*PROFILE, *LINE, "--order", "2"], "argument --order: invalid choice"),
    "--derivative-of interpolant with --order 0": (
        [*PROFILE, *LINE, "--derivative-of", "interpolant", "--order", "0"],
        "--order must be 1 or 3 for the derivative of the interpolant",
    ),
    "--derivative-of interpolant with --smooth": (
        [*PROFILE, *LINE, "--derivative-of", "interpolant", "--smooth", "2"],
        "--smooth must be 0 for the derivative of the interpolant",
    ),
    "unknown --derivative-of": (
        [*PROFILE, *LINE, "--derivative-of", "spline"],
        "argument --derivative-of: invalid choice",
    ),
    "unknown --reduce": ([*PROFILE, *LINE, "--reduce", "mode"], "argument --reduce: invalid"),
    "unknown profile --mode": ([*PROFILE, *LINE, "--mode", "x"], "argument --mode: invalid"),
    "profile --mode of gradients only": (
        [*PROFILE, *LINE, "--mode", "extrapolate"],
        "argument --mode: invalid choice: 'extrapolate'",
    ),
    "profile --spacing of the wrong length": ([*PROFILE, *LINE, "--spacing", "1,2"], "--spacing"),
    "no --csv": (["profile", "v.npy", *LINE], "required: --csv"),
    "no --line": (PROFILE, "required: --line"),
    "RGB TIFF, --line with a colour coordinate": (
        ["profile", "rgb.tif", "--csv", "out.csv", "--line", "5,3,0,30,45"],
        "for rgb.tif, an image of shape (40, 50)",
    ),
    "0-d npy profile": (["profile", "zero.npy", "--csv", "out.csv", "--line", "1,2"], "zero.npy"),
    "complex npy profile": (["profile", "complex.npy", "--csv", "out.csv", *LINE], "complex.npy"),
}


@pytest.fixture
def folder(tmp_path, rng, monkeypatch):
    """A working folder with an image in every format and every kind of bad file."""
    monkeypatch.chdir(tmp_path)
    volume = rng.integers(0, 4000, size=(10, 24, 28), dtype=np.uint16)
    zarr.create_array("v.zarr", shape=volume.shape, chunks=(3, 8, 16), dtype="uint16")[:] = volume
    np.save("v.npy", volume)
    rgb = rng.integers(0, 256, size=(40, 50, 3), dtype=np.uint8)
    tifffile.imwrite("rgb.tif", rgb, photometric="rgb")
    np.save("thin.npy", np.ones((1, 20), np.float32))
    zarr.create_array("empty.zarr", shape=(0, 5), dtype="float32")
    for name in ("empty.npy", "empty.tif"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "text.tif").write_text("not a tiff at all")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "plain.zarr").mkdir()
    two = zarr.open_group("two.zarr", mode="w")
    two.create_array("a", shape=(4, 4), dtype="f4")
    two.create_array("b", shape=(4, 4), dtype="f4")
    zarr.open_group("none.zarr", mode="w")
    np.save("zero.npy", np.array(5.0))
    np.save("complex.npy", (volume + 1j).astype(np.complex64))
    np.save("strings.npy", np.array(["a", "b"]))
    np.save("objects.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "done").mkdir()
    (tmp_path / "old.csv").write_text("old")
    return tmp_path


@pytest.mark.parametrize(("argv", "expected"), CASES.values(), ids=CASES.keys())
def test_a_bad_input_exits_2_with_one_line(folder, capsys, argv, expected):
    before = sorted(entry.name for entry in folder.iterdir())
    contents = {name: (folder / name).read_bytes() for name in ("old.csv", "a-file")}
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == ""
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("napari-derivatives: error: ")
    assert expected in lines[0]
    # Nothing new, nothing replaced, nothing hidden left behind.
    assert sorted(entry.name for entry in folder.iterdir()) == before
    assert {name: (folder / name).read_bytes() for name in contents} == contents
    assert [entry.name for entry in (folder / "photos").iterdir()] == ["holiday.jpg"]


def test_the_table_counts_distinct_bad_inputs():
    # One row per bad input: no two rows run the same command line.
    assert len({tuple(argv) for argv, _ in CASES.values()}) == len(CASES) >= 70


def test_a_closed_scheduler_port_fails_fast(folder, capsys):
    import distributed  # noqa: F401 - imported before the clock starts

    start = time.perf_counter()
    assert main([*GRADIENT, "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert time.perf_counter() - start < 1.0  # the client's own timeout is 5 s
    assert "Connection refused" in capsys.readouterr().err


def test_scheduler_without_distributed_names_the_extra(folder, capsys, monkeypatch):
    # dask.distributed is the [distributed] extra: without it (None in sys.modules makes
    # every import of it fail, as in a plain install) the option says what to install.
    for name in [name for name in sys.modules if name.split(".")[0] == "distributed"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "distributed", None)
    before = sorted(entry.name for entry in folder.iterdir())
    assert main([*GRADIENT, "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "pip install 'napari-derivatives[distributed]'" in lines[0]
    assert "--scheduler" in lines[0]
    assert sorted(entry.name for entry in folder.iterdir()) == before
