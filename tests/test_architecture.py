"""The shape of the package: the rules of docs/architecture.md that a tool can check.

`lint-imports` (in `make test`) checks that the rings import only inwards and that
there is no import cycle. These tests check the rest: private names stay private,
files and classes stay small, every public name of the core is used, and the
version is written once.
"""

from __future__ import annotations

import ast
import re
from importlib.metadata import version
from pathlib import Path

import pytest

import napari_derivatives

PACKAGE = Path(napari_derivatives.__file__).parent
ROOT = PACKAGE.parents[1]
SOURCES = sorted(PACKAGE.rglob("*.py"))
TESTS = sorted((ROOT / "tests").rglob("*.py"))
SCRIPTS = sorted([*(ROOT / "benchmarks").glob("*.py"), *(ROOT / "examples").glob("*.py")])

MAX_FILE_LINES = 450
MAX_CLASS_LINES = 250

# Tests that pin a private mechanism, and why; no other test may reach a private name.
PINNED_PRIVATE = {
    # The napari private attributes the plugin relies on: these tests fail when napari
    # removes them, so that the plugin does not degrade in silence.
    ("test_compat.py", "_block_refresh"),
    ("test_compat.py", "_activate_on_insert"),
}


def _is_module(package: Path, dotted: str) -> bool:
    path = package.joinpath(*dotted.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def _private_imports(path: Path) -> list[str]:
    """Private names of this package that ``path`` imports or reaches as attributes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside = path.is_relative_to(PACKAGE)
    found = []
    modules = set()  # local names bound to modules of this package
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if not inside:
                    continue
                base = path.parent
                for _ in range(node.level - 1):
                    base = base.parent
                source = base.joinpath(*(node.module or "").split(".")) if node.module else base
            elif node.module and node.module.split(".")[0] == "napari_derivatives":
                source = PACKAGE.joinpath(*node.module.split(".")[1:])
            else:
                continue
            for alias in node.names:
                if _is_module(source, alias.name):
                    modules.add(alias.asname or alias.name)
                elif alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "napari_derivatives" and alias.asname:
                    modules.add(alias.asname)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(node.attr)
        # monkeypatch.setattr(module, "_name", ...) reaches a private name too.
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in modules
            and isinstance(node.args[1], ast.Constant)
            and str(node.args[1].value).startswith("_")
        ):
            found.append(str(node.args[1].value))
    return found


@pytest.mark.parametrize(
    "path", SOURCES + TESTS + SCRIPTS, ids=lambda path: str(path.relative_to(ROOT))
)
def test_no_private_name_is_used_across_modules(path):
    found = [name for name in _private_imports(path) if (path.name, name) not in PINNED_PRIVATE]
    assert found == [], f"{path.name} reaches private names of other modules: {found}"


def test_the_private_name_check_finds_one(tmp_path):
    # The check above must be able to fail: a module importing another's private name.
    probe = PACKAGE / "_core" / "probe_for_test.py"
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from napari_derivatives._core.engine import _work_dtype\n"
        "from napari_derivatives._core import lazy\n"
        "lazy._crop\n"
    )
    assert not probe.exists()
    assert _private_imports(sample) == ["_work_dtype", "_crop"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_files_and_classes_are_small(path):
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_FILE_LINES, "two concerns share this file: split it"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_CLASS_LINES, f"class {node.name} has {length} lines"


def _public_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
    return [name for name in names if not name.startswith("_")]


@pytest.mark.parametrize(
    "path",
    sorted((PACKAGE / "_core").glob("*.py")),
    ids=lambda path: path.name,
)
def test_every_public_function_of_the_core_is_used_outside_its_module(path):
    # A public function or class is an interface: one that nobody else uses is dead code
    # or should be private. (Named constants may be public as documentation.)
    others = [
        other
        for other in [*SOURCES, *TESTS, *sorted((ROOT / "benchmarks").glob("*.py"))]
        if other != path
    ]
    text = "\n".join(other.read_text(encoding="utf-8") for other in others)
    unused = [name for name in _public_functions(path) if not re.search(rf"\b{name}\b", text)]
    assert unused == []


def test_the_version_is_written_once():
    # pyproject.toml holds it; the package reads it from the installed metadata.
    assert napari_derivatives.__version__ == version("napari-derivatives")
    literal = re.compile(r"""__version__\s*=\s*["']\d""")
    assert not [path.name for path in SOURCES if literal.search(path.read_text(encoding="utf-8"))]
