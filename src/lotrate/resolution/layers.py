"""The layers a lot is resolved against: one lazy default, built once, like timezonefinder's single finder.

Every function that resolves lots takes an optional :class:`Layers` (or the ``regions=``/``zones=`` keywords
of the public API, folded into one here by :func:`pick`); ``None`` means the built-in Appendix II and zone
layers, loaded on first use and shared by the whole process.

Examples
--------
>>> from lotrate.resolution.layers import Layers
>>> Layers.default() is Layers.default()
True
>>> [r.code for r in Layers.default().regions.regions]
['HKI', 'KE', 'KW', 'NTS', 'NTN']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lotrate.index.regions import RegionIndex
from lotrate.index.zones import ZoneIndex


@dataclass(frozen=True)
class Layers:
    """A region index and a zone index, used together."""

    regions: RegionIndex
    zones: ZoneIndex

    @staticmethod
    @cache
    def default() -> Layers:
        """The built-in layers (built on first use, then shared)."""
        return Layers(RegionIndex.default(), ZoneIndex.default())


def pick(layers: Layers | None = None, regions: RegionIndex | None = None, zones: ZoneIndex | None = None) -> Layers:
    """The layers to use: ``layers`` if given, else the defaults with ``regions``/``zones`` swapped in."""
    if layers is not None:
        if regions is not None or zones is not None:
            raise TypeError("give either layers= or regions=/zones=, not both")
        return layers
    if regions is None and zones is None:
        return Layers.default()
    return Layers(
        RegionIndex.default() if regions is None else regions,
        ZoneIndex.default() if zones is None else zones,
    )
