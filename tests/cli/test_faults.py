"""Faults: a run killed while writing, corrupt inputs, unwritable outputs, a full disk.

Every fault ends the same way: exit code 2, one line on stderr that starts with
"napari-derivatives: error:" and names the file or option, no traceback, and nothing at
the output's path (outputs are written to a hidden sibling path, renamed when complete).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import tifffile
import zarr
import zarr.storage

import napari_derivatives as nd
from napari_derivatives import _cli
from napari_derivatives._cli import main

# Runs the command in a fresh interpreter, with limits in bytes (0 for none). Past the
# file-size limit every write fails with EFBIG, as a full disk fails with ENOSPC (SIGXFSZ
# is ignored: its default action would kill the process instead). Past the memory limit
# an allocation raises MemoryError where the kernel's OOM killer would end the process.
LAUNCHER = """
import resource, signal, sys
file_size, memory = int(sys.argv[1]), int(sys.argv[2])
if file_size:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
if memory:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
from napari_derivatives._cli import main
sys.exit(main(sys.argv[3:]))
"""


def command(*argv, file_size_limit=0, memory_limit=0):
    limits = [str(file_size_limit), str(memory_limit)]
    return [sys.executable, "-c", LAUNCHER, *limits, *map(str, argv)]


def run(*argv, file_size_limit=0, memory_limit=0):
    return subprocess.run(
        command(*argv, file_size_limit=file_size_limit, memory_limit=memory_limit),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def assert_one_line_error(returncode, stderr, *names):
    """Exit 2 and one line naming each of ``names``, without a traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert returncode == 2, stderr
    assert "Traceback" not in stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("napari-derivatives: error: "), lines[0]
    for name in names:
        assert str(name) in lines[0], (name, lines[0])
    return lines[0]


def assert_no_output(path):
    """Nothing at ``path``, and no partial or hidden copy of it beside it."""
    assert not path.exists()
    assert [entry.name for entry in path.parent.iterdir() if path.name in entry.name] == []


@pytest.fixture
def volume(rng):
    return rng.integers(0, 4000, size=(10, 24, 28), dtype=np.uint16)


@pytest.fixture
def zarr_volume(tmp_path, volume):
    path = tmp_path / "volume.zarr"
    zarr.create_array(str(path), shape=volume.shape, chunks=(3, 8, 16), dtype="uint16")[:] = volume
    return path


# --- killed while writing --------------------------------------------------------------


def test_a_run_killed_while_writing_leaves_no_output_and_a_rerun_succeeds(tmp_path):
    # Big enough to take a second or two on this machine, written chunk by chunk.
    volume = np.random.default_rng(7).random((32, 256, 256), dtype=np.float32)
    source = tmp_path / "big.zarr"
    array = zarr.create_array(str(source), shape=volume.shape, chunks=(8, 64, 64), dtype="f4")
    array[:] = volume
    out = tmp_path / "gradients.zarr"
    argv = ["gradient", source, out, "--method", "gaussian", "--sigma", "2", "--quiet"]
    argv += ["--outputs", "gx,magnitude"]

    process = subprocess.Popen(command(*argv), stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    try:
        # Kill it once the hidden partial output holds written chunks.
        while not list(tmp_path.glob(".gradients.zarr.partial-*/*/0/c/*/*/*")):
            if process.poll() is not None:
                pytest.fail(f"finished before it could be killed: {process.stderr.read()}")
            assert time.monotonic() < deadline
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert not out.exists()
    (partial,) = tmp_path.glob(".gradients.zarr.partial-*")  # killed: nothing cleaned up

    rerun = run(*argv)
    assert rerun.returncode == 0, rerun.stderr
    assert not partial.exists()  # the dead run's partial output is removed
    expected = nd.gradient_outputs(volume, ("gx", "magnitude"), method="gaussian", sigma=2)
    group = zarr.open_group(str(out), mode="r")
    for name, want in expected.items():
        np.testing.assert_array_equal(group[f"{name}/0"][:], want, err_msg=name)
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["big.zarr", "gradients.zarr"]


# --- corrupt inputs ----------------------------------------------------------------------


def _truncate(path, keep):
    data = path.read_bytes()
    path.write_bytes(data[: keep if keep >= 1 else int(len(data) * keep)])


def truncated_tiff(folder, volume):
    path = folder / "truncated.tif"
    tifffile.imwrite(path, volume)
    _truncate(path, 0.5)
    return path


def tiff_with_garbage_strips(folder, volume):
    path = folder / "garbage.tif"
    tifffile.imwrite(path, volume, compression="zlib")
    with tifffile.TiffFile(path) as tiff:
        offset = tiff.pages[0].dataoffsets[0]
    data = bytearray(path.read_bytes())
    data[offset : offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    return path


def truncated_npy(folder, volume):
    path = folder / "truncated.npy"
    np.save(path, volume)
    _truncate(path, 0.5)
    return path


def npy_without_data(folder, volume):
    path = folder / "header.npy"
    np.save(path, volume)
    _truncate(path, 20)  # part of the header only
    return path


def zarr_with_a_garbage_chunk(folder, volume):
    path = folder / "chunky.zarr"
    zarr.create_array(str(path), shape=volume.shape, chunks=(3, 8, 16), dtype="uint16")[:] = volume
    (path / "c" / "1" / "1" / "0").write_bytes(b"this is no zstd frame" * 5)
    return path


def zarr_with_a_truncated_chunk(folder, volume):
    path = zarr_with_a_garbage_chunk(folder, volume)
    zarr.open_array(str(path), mode="r+")[:] = volume
    _truncate(path / "c" / "1" / "1" / "0", 0.5)
    return path


def zarr_json_not_json(folder, volume):
    path = zarr_with_a_garbage_chunk(folder, volume)
    (path / "zarr.json").write_text('{"zarr_format": 3, "node_type": "array", "shape": [10,')
    return path


def zarr_json_not_zarr(folder, volume):
    path = zarr_with_a_garbage_chunk(folder, volume)
    (path / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "array"}))
    return path


CORRUPT = [
    truncated_tiff,
    tiff_with_garbage_strips,
    truncated_npy,
    npy_without_data,
    zarr_with_a_garbage_chunk,
    zarr_with_a_truncated_chunk,
    zarr_json_not_json,
    zarr_json_not_zarr,
]


@pytest.mark.parametrize("make", CORRUPT, ids=lambda make: make.__name__)
def test_a_corrupt_input_is_named_in_one_line(tmp_path, volume, make, capsys):
    source = make(tmp_path, volume)
    out = tmp_path / ("out.zarr" if source.suffix == ".zarr" else "out")
    assert main(["gradient", str(source), str(out), "--quiet"]) == 2
    line = one_line(capsys)
    assert line.startswith(f"napari-derivatives: error: cannot read {source}")
    assert_no_output(out)
    # The line derivative reads only under the line, and still names the file.
    csv = tmp_path / "line.csv"
    assert main(["profile", str(source), "--line", "5,5,5,5,20,20", "--csv", str(csv)]) == 2
    assert one_line(capsys).startswith(f"napari-derivatives: error: cannot read {source}")
    assert_no_output(csv)


def test_a_corrupt_chunk_names_the_file_in_a_fresh_process(tmp_path, volume):
    source = zarr_with_a_garbage_chunk(tmp_path, volume)
    out = tmp_path / "out.zarr"
    result = run("gradient", source, out)  # with the progress bar, stderr not a terminal
    line = assert_one_line_error(result.returncode, result.stderr, f"cannot read {source}")
    assert "3:6, 8:16, 0:16" in line  # the chunk's box
    assert_no_output(out)


def one_line(capsys):
    captured = capsys.readouterr()
    return assert_one_line_error(2, captured.err)


# --- outputs that cannot be written --------------------------------------------------------


def test_an_output_whose_parent_is_a_file(tmp_path, zarr_volume, capsys):
    (tmp_path / "a-file").write_text("not a folder")
    out = tmp_path / "a-file" / "out.zarr"
    assert main(["gradient", str(zarr_volume), str(out), "--quiet"]) == 2
    assert str(out) in one_line(capsys)
    result = run("gradient", zarr_volume, out)
    assert_one_line_error(result.returncode, result.stderr, out)
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["a-file", "volume.zarr"]


def test_a_read_only_output_folder(tmp_path, zarr_volume, capsys):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        try:
            (folder / "probe").touch()
        except PermissionError:
            pass
        else:
            pytest.skip("this user (root) can write in a folder without write permission")
        out = folder / "out.zarr"
        assert main(["gradient", str(zarr_volume), str(out), "--quiet"]) == 2
        assert str(out) in one_line(capsys)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


async def refused(*args, **kwargs):
    raise PermissionError(13, "Permission denied")


def deny(*args, **kwargs):
    raise PermissionError(13, "Permission denied")


@pytest.mark.parametrize(
    ("where", "out"),
    [
        ("zarr group", "out.zarr"),
        ("zarr chunks", "out.zarr"),
        ("npy file", "out"),
        ("tiff file", "out"),
        ("csv file", "line.csv"),
    ],
)
def test_permission_denied_while_writing(tmp_path, volume, monkeypatch, capsys, where, out):
    # As root, permission bits stop nothing: here the writers themselves are refused.
    source = tmp_path / ("volume.tif" if where == "tiff file" else "volume.npy")
    if where == "tiff file":
        tifffile.imwrite(source, volume)
    else:
        np.save(source, volume)
    chunk_set = zarr.storage.LocalStore.set

    async def refuse_chunks(store, key, value, *args, **kwargs):
        if "/c/" in key:
            raise PermissionError(13, "Permission denied")
        return await chunk_set(store, key, value, *args, **kwargs)

    if where == "zarr group":
        monkeypatch.setattr(zarr.storage.LocalStore, "set", refused)
    elif where == "zarr chunks":
        monkeypatch.setattr(zarr.storage.LocalStore, "set", refuse_chunks)
    elif where == "npy file":
        monkeypatch.setattr(np, "save", deny)
    elif where == "tiff file":
        monkeypatch.setattr(tifffile, "imwrite", deny)
    else:
        monkeypatch.setattr(_cli, "profiles_to_csv", deny)
    target = tmp_path / out
    if where == "csv file":
        argv = ["profile", str(source), "--line", "1,2,3,8,20,25", "--csv", str(target)]
    else:
        argv = ["gradient", str(source), str(target), "--outputs", "gx,magnitude"]
    assert main([*argv, "--quiet"]) == 2
    assert (
        one_line(capsys) == f"napari-derivatives: error: cannot write {target}: Permission denied"
    )
    assert sorted(entry.name for entry in tmp_path.iterdir()) == [source.name]


# --- a full disk -------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["out.zarr", "out-npy", "out-tif", "line.csv"])
def test_a_full_disk(tmp_path, zarr_volume, volume, output):
    if output == "out-tif":
        source = tmp_path / "volume.tif"
        tifffile.imwrite(source, volume)
    elif output == "out.zarr":
        source = zarr_volume
    else:
        source = tmp_path / "volume.npy"
        np.save(source, volume)
    target = tmp_path / output
    if output == "line.csv":
        argv = ["profile", source, "--line", "1,1,1,9,23,27", "--csv", target, "--step", "0.1"]
    else:
        argv = ["gradient", source, target]
    result = run(*argv, file_size_limit=1000)  # each float32 output is 27 kB
    assert_one_line_error(result.returncode, result.stderr, f"cannot write {target}: ")
    assert "File too large" in result.stderr or "is the disk full?" in result.stderr
    assert_no_output(target)
    # The same run without the limit succeeds.
    assert run(*argv).returncode == 0
    assert target.exists()


# --- a huge sigma ------------------------------------------------------------------------

# Each of these fails at once, whatever the core's rule for sigma: the rule refuses it, or
# the kernel's length is no array size, or its weights would fill terabytes.
HUGE = {
    "sigma 1e11": (["--sigma", "1e11"], ["--sigma"]),
    "sigma 1e300": (["--sigma", "1e300"], ["--sigma"]),
    # sigma is in units of spacing: in pixels it is huge too.
    "spacing 1e-300": (["--spacing", "1e-300"], ["--spacing", "--sigma"]),
}


@pytest.mark.parametrize(("options", "named"), HUGE.values(), ids=HUGE.keys())
def test_a_huge_sigma_names_the_option(tmp_path, zarr_volume, capsys, options, named):
    out = tmp_path / "out.zarr"
    argv = ["gradient", str(zarr_volume), str(out), "--method", "gaussian", *options]
    assert main([*argv, "--quiet"]) == 2
    line = one_line(capsys)
    assert any(option in line for option in named), line
    assert_no_output(out)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--sigma", "1e11"), ("--width", "100000000")],
)
def test_too_much_memory_in_a_fresh_process(tmp_path, volume, option, value):
    # The memory limit makes an allocation beyond it fail with a MemoryError, reported as
    # one line, on a machine of any size, where the OOM killer would end the process
    # (--width has no upper bound in the core: 1e8 samples across need 16 GiB here).
    source = tmp_path / "volume.npy"
    np.save(source, volume)
    out = tmp_path / ("out" if option == "--sigma" else "line.csv")
    if option == "--sigma":
        argv = ["gradient", source, out, "--method", "gaussian", option, value]
    else:
        argv = ["profile", source, "--line", "1,2,3,8,20,25", "--csv", out, option, value]
    result = run(*argv, memory_limit=4 * 2**30)
    assert_one_line_error(result.returncode, result.stderr, option)
    assert_no_output(out)


# --- interrupted, and warnings before a failure ----------------------------------------------


def test_ctrl_c_leaves_no_output(tmp_path, zarr_volume, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "compute", interrupted)
    out = tmp_path / "out.zarr"
    assert main(["gradient", str(zarr_volume), str(out)]) == 130
    assert capsys.readouterr().err == "napari-derivatives: error: interrupted\n"
    assert_no_output(out)


@pytest.mark.parametrize("fails", [False, True])
def test_warnings_show_after_a_success_only(tmp_path, zarr_volume, monkeypatch, capsys, fails):
    compute = _cli.compute

    def warn_then_compute(*args, **kwargs):
        warnings.warn("overflow encountered in scalar multiply", RuntimeWarning, stacklevel=1)
        if fails:
            raise MemoryError("Unable to allocate 5.8 TiB")
        return compute(*args, **kwargs)

    monkeypatch.setattr(_cli, "compute", warn_then_compute)
    out = tmp_path / "out.zarr"
    code = main(["gradient", str(zarr_volume), str(out), "--quiet"])
    err = capsys.readouterr().err
    if fails:
        assert code == 2
        assert_one_line_error(code, err, "Unable to allocate 5.8 TiB")
    else:
        assert code == 0
        assert err == "napari-derivatives: warning: overflow encountered in scalar multiply\n"
