"""The layers the plugin made: what each records, how they are named, which a run touches.

The plugin only ever updates or removes layers it made. It knows them by the record it
keeps in their metadata under :data:`METADATA_KEY`, never by their names: a user's layer
that happens to be called ``"cells gx"`` is left alone (the plugin's new layer gets a
free name, ``"cells gx [1]"``), and a layer the plugin made stays the plugin's when the
user renames it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import napari.layers

#: The key of the plugin's record in the metadata of the layers it makes.
METADATA_KEY = "napari_derivatives"


def output_layer_name(source_name: str, output: str) -> str:
    """Return the plain name of the layer that holds ``output`` of ``source_name``.

    Parameters
    ----------
    source_name : str
        Name of the source image layer.
    output : str
        An output id: ``"gx"``, ``"magnitude"``, ``"hessian_eigenvalue_1"``...

    Returns
    -------
    str
        ``"<source_name> <output>"`` with spaces for the underscores of the id, for
        example ``"cells gx"``, ``"cells hessian eigenvalue 1"``.
    """
    return f"{source_name} {output.replace('_', ' ')}"


#: The families of layers, one per widget: a run replaces only layers of its own family.
KINDS = ("gradient", "hessian", "orientation")


@dataclass(frozen=True)
class LayerSettings:
    """How a layer of the plugin was made, apart from its source and output.

    Two layers of one source and output hold the same values when their settings are
    equal: ``sigma`` is None for every operator but the Gaussian, which alone uses it.

    Attributes
    ----------
    kind : str
        The family of the layer, one of :data:`KINDS`: a run replaces only layers of
        its own family (Hessian layers never remove gradient layers).
    method : str
        The operator, one of :data:`napari_derivatives.METHODS`.
    sigma : float or None
        The Gaussian's standard deviation in the source's physical units, as passed;
        None for the other operators.
    mode : str
        The border mode, one of :data:`napari_derivatives.BOUNDARY_MODES`.
    axes : tuple of int
        The differentiated axes of the source's data, counted from 0.
    rho : float or None
        The structure tensor's integration scale in physical units (orientation
        layers); None for the others.
    """

    method: str
    sigma: float | None
    mode: str
    axes: tuple[int, ...]
    kind: str = "gradient"
    rho: float | None = None

    @classmethod
    def of_run(
        cls,
        method: str,
        sigma: float,
        mode: str,
        axes: Sequence[int],
        ndim: int,
        *,
        kind: str = "gradient",
        rho: float | None = None,
    ) -> LayerSettings:
        """Return the settings of a run on an image of ``ndim`` dimensions."""
        return cls(
            method=method,
            sigma=float(sigma) if method == "gaussian" else None,
            mode=mode,
            axes=tuple(int(axis) % ndim for axis in axes),
            kind=kind,
            rho=None if rho is None else float(rho),
        )

    def label(self, unit: str, *, usual_mode: str, usual_axes: tuple[int, ...]) -> str:
        """Return the settings as a variant's name shows them: ``"gaussian 2 µm"``.

        The mode and the axes are named only when they are not the usual ones, as in
        ``"sobel, wrap"``, ``"central, 3D"`` (the last three axes) or ``"sobel, axes
        0,2"``; ``unit`` is the source's physical unit, ``""`` when it has none.
        """
        head = self.method
        if self.sigma is not None:
            head += f" {self.sigma:g}" + (f" {unit}" if unit else "")
        parts = [head]
        if self.rho is not None:
            parts.append(f"rho {self.rho:g}" + (f" {unit}" if unit else ""))
        if self.mode != usual_mode:
            parts.append(self.mode)
        if self.axes == (usual_axes[0] - 1, *usual_axes):
            parts.append("3D")  # the last three axes, as a volume
        elif self.axes != usual_axes:
            parts.append("axes " + ",".join(str(axis) for axis in self.axes))
        return ", ".join(parts)


@dataclass(frozen=True)
class LayerRecord:
    """What the plugin keeps in the metadata of a layer it made.

    Attributes
    ----------
    source : str
        Name of the source image layer when the layer was made.
    output : str
        ``"gx"``, ``"gy"``, ``"gz"``, ``"magnitude"`` or ``"direction"``.
    settings : LayerSettings
        How it was computed.
    name : str
        The name the plugin gave the layer. A layer whose name differs was renamed by
        the user, and the plugin does not rename it again.
    """

    source: str
    output: str
    settings: LayerSettings
    name: str = ""

    def as_metadata(self) -> dict[str, Any]:
        """Return the record as the layer's metadata holds it, under :data:`METADATA_KEY`."""
        return {
            "source": self.source,
            "output": self.output,
            "method": self.settings.method,
            "sigma": self.settings.sigma,
            "mode": self.settings.mode,
            "axes": self.settings.axes,
            "kind": self.settings.kind,
            "rho": self.settings.rho,
            "name": self.name,
        }


def layer_record(layer: napari.layers.Layer) -> LayerRecord | None:
    """Return the plugin's record of ``layer``, or None when the plugin did not make it."""
    entry = layer.metadata.get(METADATA_KEY)
    if not isinstance(entry, Mapping):
        return None
    try:
        sigma = entry["sigma"]
        rho = entry.get("rho")
        settings = LayerSettings(
            method=str(entry["method"]),
            sigma=None if sigma is None else float(sigma),
            mode=str(entry["mode"]),
            axes=tuple(int(axis) for axis in entry["axes"]),
            # Records of the first releases, before Hessian layers, are gradient layers.
            kind=str(entry.get("kind", "gradient")),
            rho=None if rho is None else float(rho),
        )
        return LayerRecord(
            source=str(entry["source"]),
            output=str(entry["output"]),
            settings=settings,
            name=str(entry.get("name", "")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def named_by_plugin(layer: napari.layers.Layer) -> bool:
    """Return whether ``layer`` still has the name the plugin gave it."""
    record = layer_record(layer)
    return record is not None and layer.name == record.name


@dataclass
class LayerPlan:
    """What a run does to the viewer's layers.

    Attributes
    ----------
    targets : dict of str to napari.layers.Layer
        Output -> the plugin's layer updated in place with it. Outputs left out get a
        new layer.
    names : dict of str to str
        Output -> the name its layer is given: every new layer, and every target that
        still has the name the plugin gave it.
    remove : list of napari.layers.Layer
        The plugin's layers of the source that the run replaces.
    """

    targets: dict[str, Any]
    names: dict[str, str]
    remove: list[Any]


def plan_layers(
    layers: Iterable[napari.layers.Layer],
    source: str,
    outputs: Iterable[str],
    settings: LayerSettings,
    *,
    replace: bool,
    label: str,
) -> LayerPlan:
    """Decide which of the plugin's layers a run updates, removes or adds, and their names.

    Only the plugin's layers made from ``source`` in the family of ``settings`` (its
    ``kind``) are considered; a layer with
    ``settings`` and the output is always updated in place. With ``replace`` every other
    layer of the source made with other settings is removed, except that an output
    without a layer of these settings takes over (and updates in place) a layer of the
    same output that the plugin named: so the plain names ``"<source> <output>"`` always
    hold one run's settings. Without ``replace`` nothing is removed and new layers are
    named with ``label``, ``"<source> <output> (<label>)"``.
    """
    ours = []
    for layer in layers:
        record = layer_record(layer)
        if (
            record is not None
            and record.source == source
            and record.settings.kind == settings.kind
        ):
            ours.append((layer, record))
    plan = LayerPlan(targets={}, names={}, remove=[])
    for output in outputs:
        plain = output_layer_name(source, output)
        name = plain if replace else f"{plain} ({label})"
        same = [
            layer
            for layer, record in ours
            if (record.output, record.settings) == (output, settings)
        ]
        named = [
            layer
            for layer, record in ours
            if record.output == output and layer.name == record.name
        ]
        # A layer of the plain name first: it keeps its place in the layer list.
        named.sort(key=lambda layer: layer.name != plain)
        candidates = same + (named if replace else [])
        if candidates:
            plan.targets[output] = candidates[0]
        target = plan.targets.get(output)
        if target is None or (replace and named_by_plugin(target)):
            plan.names[output] = name
    if replace:
        kept = {id(layer) for layer in plan.targets.values()}
        plan.remove = [
            layer
            for layer, record in ours
            if record.settings != settings and id(layer) not in kept
        ]
    return plan


def made_layer_record(kind: str, source: str, output: str, name: str) -> dict[str, Any]:
    """Return the record, for a layer's metadata, of a layer the panel made (a kymograph).

    Parameters
    ----------
    kind : str
        What made it, e.g. ``"kymograph"``.
    source : str
        Name of the source image layer.
    output : str
        Which of its outputs it holds, e.g. ``"values"`` or ``"derivative"``.
    name : str
        The name the plugin gave it.

    Returns
    -------
    dict
        To be stored under :data:`METADATA_KEY`; :func:`layer_record` (gradient
        layers) does not take it for one of its own.
    """
    return {"kind": kind, "source": source, "output": output, "name": name}


def find_made_layer(
    layers: Iterable[napari.layers.Layer], kind: str, source: str, output: str
) -> napari.layers.Layer | None:
    """Return the layer the plugin made for ``kind``, ``source`` and ``output``, if any.

    Only a layer with the plugin's record counts, never a layer that merely has the
    name the plugin would give it.

    Parameters
    ----------
    layers : iterable of napari.layers.Layer
        The viewer's layers.
    kind, source, output : str
        As given to :func:`made_layer_record`.

    Returns
    -------
    napari.layers.Layer or None
        The first such layer.
    """
    for layer in layers:
        entry = layer.metadata.get(METADATA_KEY)
        if isinstance(entry, Mapping) and (
            entry.get("kind"),
            entry.get("source"),
            entry.get("output"),
        ) == (kind, source, output):
            return layer
    return None
