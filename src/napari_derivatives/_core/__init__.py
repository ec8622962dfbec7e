"""The pure core: numpy, scipy and dask only, never napari, Qt or matplotlib.

One module per concern. ``choices`` names every option value the API, the widgets
and the command line accept; ``checks`` holds every parameter rule; ``kernels``,
``boundary``, ``engine`` and ``lazy`` compute derivatives; ``gradients`` is their
public face; ``paths``, ``sampling``, ``edges``, ``profiles`` and ``export`` measure
along lines; ``arraytypes`` names the array types of their annotations (the core is
type-checked strictly: ``mypy`` in ``make test``). Data flows one way: the outer rings
(``_napari``, ``_qt``, the command line) call in, nothing here calls out.
"""
