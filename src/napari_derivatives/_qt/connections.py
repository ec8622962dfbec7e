"""Event connections a widget keeps in named groups, to undo a group at once.

A dock widget listens to the viewer, to the layers it follows and to every layer's
name. When it follows another layer, or is closed or undocked, it must stop
listening to exactly what it connected, or napari keeps calling a widget that is
gone. :class:`Connections` records each connection under a group name, so
``disconnect("image")`` drops the old image's handlers and ``disconnect_all()``
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class Connections:
    """A record of event connections, in named groups.

    Emitters are anything with ``connect(callback)`` and ``disconnect(callback)``:
    napari's event emitters and psygnal signals alike.

    Examples
    --------
    >>> from napari.utils.events import EmitterGroup
    >>> events = EmitterGroup(source=None, data=None)
    >>> seen = []
    >>> connections = Connections()
    >>> connections.connect_events("image", events, ("data", "missing"), seen.append)
    >>> connections.count("image")
    1
    >>> _ = events.data()
    >>> len(seen)
    1
    >>> connections.disconnect_all()
    >>> _ = events.data()  # no handler left to call
    >>> len(seen)
    1
    """

    def __init__(self) -> None:
        self._groups: dict[str, list[tuple[Any, Callable[..., Any]]]] = {}

    def connect(self, group: str, emitter: Any, callback: Callable[..., Any]) -> None:
        """Connect ``callback`` to ``emitter`` and record it under ``group``.

        Parameters
        ----------
        group : str
            Name of the group, for example ``"viewer"`` or ``"image"``.
        emitter : event emitter or signal
            What calls ``callback``.
        callback : callable
            The handler.
        """
        emitter.connect(callback)
        self._groups.setdefault(group, []).append((emitter, callback))

    def connect_events(
        self, group: str, events: Any, names: Iterable[str], callback: Callable[..., Any]
    ) -> None:
        """Connect ``callback`` to each of the named events that ``events`` has.

        Parameters
        ----------
        group : str
            Name of the group.
        events : napari.utils.events.EmitterGroup
            For example ``layer.events`` or ``viewer.dims.events``.
        names : iterable of str
            Event names; those the napari version lacks are skipped.
        callback : callable
            The handler.
        """
        for name in names:
            emitter = getattr(events, name, None)
            if emitter is not None:
                self.connect(group, emitter, callback)

    def count(self, group: str) -> int:
        """Return how many connections ``group`` holds.

        Parameters
        ----------
        group : str
            Name of the group.

        Returns
        -------
        int
            0 for a group never connected or disconnected since.
        """
        return len(self._groups.get(group, ()))

    def disconnect(self, group: str) -> None:
        """Disconnect every connection of ``group`` and forget them.

        Parameters
        ----------
        group : str
            Name of the group; one with no connections is left as it is.
        """
        for emitter, callback in self._groups.pop(group, ()):
            emitter.disconnect(callback)

    def disconnect_all(self) -> None:
        """Disconnect every connection of every group."""
        for group in list(self._groups):
            self.disconnect(group)
