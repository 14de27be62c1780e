"""Jupyter rich views of a Resolution and an Assessment (registered as their ``_repr_html_``)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from lotrate.render.format import area_text, metres, percent
from lotrate.render.maps import REGION_COLOURS, ZONE_STYLES
from lotrate.render.pages import environment
from lotrate.render.views import Outcome, computation, eligibility_rows, notice_rows, summary

if TYPE_CHECKING:

    from lotrate.premium.assess import Assessment
    from lotrate.results import Resolution




def resolution_html(r: Resolution) -> str:
    """A compact HTML view of a :class:`~lotrate.results.Resolution` (its ``_repr_html_``).

    Examples
    --------
    >>> from lotrate import resolve
    >>> "Kowloon East (KE)" in resolution_html(resolve(x=114.2250, y=22.3130))
    True
    """
    return (
        environment()
        .get_template("resolution.html.j2")
        .render(
            r=r,
            colour=REGION_COLOURS.get(r.region_code, "#777"),
            distance=metres(r.boundary_distance_m),
            shares=[(s.code, s.name, percent(s.share)) for s in r.shares] if len(r.shares) > 1 else [],
            zones=[(z.name, ZONE_STYLES[z.kind].label if z.kind in ZONE_STYLES else z.kind, z.status) for z in r.zones],
            area=area_text(round(r.area_m2, 1)) if r.area_m2 is not None else "",
        )
    )


def assessment_html(a: Assessment) -> str:
    """A compact HTML view of an :class:`~lotrate.premium.assess.Assessment` (its ``_repr_html_``).

    Examples
    --------
    >>> from lotrate.premium.assess import assess
    >>> a = assess({"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
    ...     "properties": {"lot_id": "KTIL 713", "pbto_accepted": "2024-02-15", "max_gfa_m2": 10000,
    ...                    "gfa_after_m2": {"commercial": 10000}, "private_residential_prohibited": True,
    ...                    "gfa_before_m2": {"industrial": 5000}, "lot_user": "industrial"}})
    >>> "HK$450,000,000" in assessment_html(a)
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
