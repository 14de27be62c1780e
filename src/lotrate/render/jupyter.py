"""Jupyter rich views of a Resolution and an Assessment (registered as their ``_repr_html_``).

Each view is a compact summary and the same site-scale map as :func:`~lotrate.render.maps.lot_map` (the lot's
outline for an Assessment, its point for a Resolution, which carries no boundary), in a sandbox-free
``<iframe srcdoc>`` like folium's own. Text cells are left-aligned and numbers right-aligned whatever the
notebook's table style. Every text is an escaped value of a fixed template; the map's texts are JSON data.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from lotrate.render.format import area_text, metres, percent
from lotrate.render.maps import REGION_COLOURS, ZONE_STYLES, approx_text, is_approximate, lot_map
from lotrate.render.pages import environment
from lotrate.render.views import Outcome, computation, dlo_text, eligibility_rows, notice_rows, summary

if TYPE_CHECKING:
    import folium

    from lotrate.premium.assess import Assessment
    from lotrate.results import Resolution

#: height of the map in a rich view
MAP_HEIGHT_PX = 340


def map_iframe(m: folium.Map, height: int = MAP_HEIGHT_PX, title: str = "Map of the lot") -> str:
    """A folium map as a self-contained ``<iframe srcdoc>`` (the page escaped into the attribute)."""
    from branca.element import Figure

    fig = Figure()
    fig.add_child(m)
    page = fig.render()
    return (
        f'<iframe class="lotrate-map" title="{html.escape(title)}" srcdoc="{html.escape(page, quote=True)}" '
        f'style="width:100%;max-width:780px;height:{int(height)}px;border:1px solid #d5dae0;border-radius:4px;'
        'margin-top:6px" loading="lazy"></iframe>'
    )


def _zones(r: Resolution) -> list[tuple[str, str, str]]:
    out = []
    for z in r.zones:
        kind = ZONE_STYLES[z.kind].label if z.kind in ZONE_STYLES else z.kind
        out.append((z.name, kind, approx_text(z.accuracy_m) if is_approximate(z.status, z.accuracy_m) else z.status))
    return out


def _map_note(r: Resolution) -> str:
    """Say so when the result used layers other than the built-in ones (a result does not carry its layers)."""
    from lotrate.resolution.layers import Layers

    built_in = Layers.default()
    zone_names = {z.name for z in built_in.zones.zones}
    region_names = {reg.code: reg.name_en for reg in built_in.regions.regions}
    if any(z.name not in zone_names for z in r.zones) or region_names.get(r.region_code) != r.region_name:
        return "The map shows the built-in region and zone layers; this result used other layers."
    return ""


def _resolution_map(r: Resolution) -> str:
    from shapely.geometry import Point

    try:
        m = lot_map(Point(r.easting, r.northing), crs="EPSG:2326", label="The lot", resolution=r)
    except Exception as exc:  # a view must show, even when its map cannot be drawn
        return f'<div style="color:#5b6470">(no map: {html.escape(str(exc))})</div>'
    return map_iframe(m)


def resolution_html(r: Resolution, *, with_map: bool = True) -> str:
    """A compact HTML view of a :class:`~lotrate.results.Resolution` (its ``_repr_html_``), with its map.

    Examples
    --------
    >>> from lotrate import resolve
    >>> view = resolution_html(resolve(x=114.2250, y=22.3130))
    >>> "Kowloon East (KE)" in view and "<iframe" in view
    True
    """
    return (
        environment()
        .get_template("resolution.html.j2")
        .render(
            r=r,
            colour=REGION_COLOURS.get(r.region_code, "#777777"),
            dlo=dlo_text(r.district_lands_office),
            distance=metres(r.boundary_distance_m),
            shares=[(s.code, s.name, percent(s.share)) for s in r.shares] if len(r.shares) > 1 else [],
            zones=_zones(r),
            area=area_text(r.area_m2, measured=True) if r.area_m2 is not None else "",
            map_html=_resolution_map(r) if with_map else "",
            map_note=_map_note(r) if with_map else "",
        )
    )


def _assessment_map(a: Assessment) -> str:
    try:
        m = lot_map(a.lot.geometry, crs=a.lot.crs, label=a.lot_id, resolution=a.resolution)
    except Exception as exc:  # a view must show, even when its map cannot be drawn
        return f'<div style="color:#5b6470">(no map: {html.escape(str(exc))})</div>'
    return map_iframe(m)


def assessment_html(a: Assessment, *, with_map: bool = True) -> str:
    """A compact HTML view of an :class:`~lotrate.premium.assess.Assessment` (its ``_repr_html_``), with its map.

    Examples
    --------
    >>> from lotrate.premium.assess import assess
    >>> a = assess({"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
    ...     "properties": {"lot_id": "KTIL 713", "pbto_accepted": "2024-02-15", "max_gfa_m2": 10000,
    ...                    "gfa_after_m2": {"commercial": 10000}, "private_residential_prohibited": True,
    ...                    "gfa_before_m2": {"industrial": 5000}, "lot_user": "industrial"}})
    >>> "HK$450,000,000" in assessment_html(a, with_map=False)
    True
    """
    outcome = Outcome(a.resolution, a, None)
    return (
        environment()
        .get_template("assessment.html.j2")
        .render(
            a=a,
            summary=summary(outcome),
            eligibility=eligibility_rows(a),
            computation=computation(a),
            warnings=notice_rows(outcome),
            zones=_zones(a.resolution),
            map_html=_assessment_map(a) if with_map else "",
            map_note=_map_note(a.resolution) if with_map else "",
        )
    )


def html_view(obj: Any) -> str:
    """The rich view of any lotrate result (registered with :func:`lotrate.results.set_html_renderer`)."""
    from lotrate.premium.assess import Assessment
    from lotrate.results import Resolution

    if isinstance(obj, Assessment):
        return assessment_html(obj)
    if isinstance(obj, Resolution):
        return resolution_html(obj)
    return f"<pre>{html.escape(repr(obj))}</pre>"
