"""Sphinx configuration of the documentation site: ``make docs``.

The user guide is every Markdown page of ``docs/`` (MyST), found by a glob, so a new
page appears without editing this file; the API reference is generated at each build
from ``napari_derivatives.__all__`` (every public name, with its numpydoc docstring);
the gallery runs every ``examples/plot_*.py`` script (sphinx-gallery) and shows what
it plots and prints. Viewer screenshots in the gallery need a display: ``make docs``
runs under ``tools/with-display.sh``.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import napari_derivatives

DOCS = Path(__file__).resolve().parent

project = "napari-derivatives"
author = "napari-derivatives developers"
copyright = "napari-derivatives developers"
release = napari_derivatives.__version__
version = release

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
# sphinx-gallery's timing pages are not guide pages (the guide's toctree is a glob).
exclude_patterns = ["_build", "sg_execution_times.rst", "auto_examples/sg_execution_times.rst"]
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]
suppress_warnings = ["config.cache"]  # sphinx-gallery's callable settings are not picklable

autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc sections say the types, with their units
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = "napari-derivatives"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path: list[str] = []

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"plot_",
    "ignore_pattern": r"demo\.py",  # `make demo` opens a window; it is not a gallery page
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
    "write_computation_times": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
}


def _kind(name: str) -> str:
    value = getattr(napari_derivatives, name)
    if inspect.isclass(value):
        return "Classes"
    if callable(value):
        return "Functions"
    return "Constants"


def write_api_page() -> Path:
    """Write ``reference/api.rst``: every name of ``napari_derivatives.__all__``."""
    names = [name for name in napari_derivatives.__all__ if not name.startswith("__")]
    groups: dict[str, list[str]] = {"Functions": [], "Classes": [], "Constants": []}
    for name in names:
        groups[_kind(name)].append(name)
    lines = [
        "API reference",
        "=============",
        "",
        "Every public name of ``napari_derivatives`` (its ``__all__``). Values are in",
        "intensity per physical unit of ``spacing`` (a layer's ``scale`` in napari); the",
        "napari glue (``add_gradient_layers``, ``profile_shapes``) imports napari on first use.",
        "",
        ".. currentmodule:: napari_derivatives",
        "",
    ]
    for title, members in groups.items():
        if not members:
            continue
        lines += [title, "-" * len(title), "", ".. autosummary::", "   :toctree: generated", ""]
        lines += [f"   {name}" for name in members]
        lines.append("")
    page = DOCS / "reference" / "api.rst"
    page.write_text("\n".join(lines), encoding="utf-8")
    return page


write_api_page()
