"""HTML fragments of the decision kit for a lot's report: the scenario table, its bar chart, the timeline.

Each function returns :class:`markupsafe.Markup`, built with ``Markup.format`` so that every value (a lot id,
a user scenario's name, an event text) is escaped; a report template can place the fragment as it is
(``{{ fragment }}``; Markup is not escaped twice). The fragments carry class names styled by :func:`kit_css`
and stay readable without it. The chart is inline SVG: no script, no remote resource.

Examples
--------
>>> from lotrate.premium.scenarios import compare
>>> lot = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.2235, 22.311]},
...        "properties": {"lot_id": "<i>KTIL 1</i>", "pbto_accepted": "2024-02-15", "max_gfa_m2": 10000,
...                       "gfa_after_m2": {"commercial": 10000}, "private_residential_prohibited": True,
...                       "gfa_before_m2": {"industrial": 5000}}}
>>> html = compare_section(compare(lot)[0])
>>> "HK$450,000,000" in html and "&lt;i&gt;KTIL 1&lt;/i&gt;" in html and "<i>" not in html
True
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from markupsafe import Markup

from lotrate.render.format import money

if TYPE_CHECKING:
    from lotrate.premium.scenarios import Comparison, Scenario
    from lotrate.premium.timeline import Timeline

_VERDICT_TEXT = {
    "applicable": "applicable",
    "unverified": "unverified",
    "not_applicable": "not applicable",
    "not_allowed": "not allowed",
}
_STATUS_COLOUR = {"done": "#1a7f37", "due": "#9a6700", "overdue": "#b42318", "expected": "#0b3d63", "info": "#5b6470"}
_BAR = "#0b3d63"
_BAR_FILED = "#c77c02"


def kit_css() -> str:
    """Styles for the fragments (a report may inline them once; the fragments read well without them)."""
    return """
.kit table { width: 100%; border-collapse: collapse; font-size: 12.5px; margin: 4px 0 8px; }
.kit th, .kit td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #d5dae0; vertical-align: top;
  overflow-wrap: anywhere; }
.kit th { font-size: 11.5px; color: #5b6470; background: #f4f6f8; }
.kit td.num, .kit th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.kit tr.filed td { background: #fff6e5; font-weight: 600; }
.kit .badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; color: #fff;
  white-space: nowrap; }
.kit .note { font-size: 11px; color: #5b6470; }
.kit svg { width: 100%; height: auto; max-width: 760px; display: block; }
@media print {
  .kit { break-inside: auto; }
  .kit tr, .kit svg { break-inside: avoid; }
  .kit p { font-size: 7.5pt; margin: 1px 0; }
  .kit table { font-size: 7.5pt; margin: 2px 0 4px; }
  .kit th { font-size: 7pt; }
  .kit th, .kit td { padding: 1px 4px; }
  .kit .note, .kit .badge { font-size: 7pt; }
  .kit svg { max-height: 16mm; width: auto; }
  .kit-timeline-table tr[data-status="done"], .kit-timeline-table tr[data-status="info"] { display: none; }
  .kit-timeline-table td:nth-child(3) { white-space: nowrap; }
  .kit tr[data-verdict] td:first-child { min-width: 55mm; }
  .kit-timeline-table td:first-child { width: 15mm; }
  .kit-timeline-table td:nth-child(2) { width: 62mm; }
  .kit tr[data-verdict] td:first-child .note { display: none; } /* on paper the PN column says why */
  .kit > p { display: none; } /* the lead paragraphs: on screen only */
  .kit-timeline-table td.note { font-size: 6.5pt; line-height: 1.15; }
}
""".strip()


def _signed(d: Decimal | None) -> str:
    if d is None:
        return "–"
    if d == 0:
        return "±HK$0"
    return ("+" if d > 0 else "") + money(d)


def _verdict_badge(s: Scenario) -> Markup:
    colour = {"applicable": "#1a7f37", "unverified": "#9a6700", "not_applicable": "#b42318",
              "not_allowed": "#b42318"}.get(s.verdict, "#5b6470")
    return Markup('<span class="badge" style="background:{}">{}</span>').format(
        colour, _VERDICT_TEXT.get(s.verdict, s.verdict))


def compare_table(c: Comparison) -> Markup:
    """The scenarios of one lot as a table, sorted by premium, with the difference to the filed case."""
    rows = []
    for s in c.scenarios:
        note = s.note + (f" (same figures as: {', '.join(s.same_as)})" if s.same_as else "")
        rows.append(Markup(
            '<tr class="{cls}" data-verdict="{verdict}"><td>{name}<div class="note">{note}</div></td>'
            "<td>{schedule}</td><td>{pbto}</td><td>{basis}</td><td>{badge}</td>"
            '<td class="num">{premium}</td><td class="num">{diff}</td><td>{para}</td></tr>'
        ).format(
            cls="filed" if s.kind == "filed" else s.kind,
            verdict=s.verdict,
            name=s.name,
            note=note,
            schedule=s.schedule or "–",
            pbto=s.pbto_accepted.isoformat() if s.pbto_accepted else "–",
            basis=s.c_basis,
            badge=_verdict_badge(s),
            premium="not priced" if s.premium_hkd is None else money(s.premium_hkd),
            diff=_signed(s.difference_hkd),
            para=s.paragraph,
        ))
    return Markup(
        '<table class="kit-compare-table"><colgroup><col style="width:30%"></colgroup><thead><tr>'
        "<th>scenario</th><th>schedule</th><th>PBTO accepted</th>"
        '<th>C basis</th><th>verdict</th><th class="num">premium</th><th class="num">vs filed</th>'
        "<th>PN</th></tr></thead><tbody>{}</tbody></table>"
    ).format(Markup("").join(rows))


def _short(text: str, n: int = 42) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def compare_chart(c: Comparison, *, width: int = 720) -> Markup:
    """The scenarios as an inline SVG bar chart (one bar per priced scenario, the filed case highlighted)."""
    label_w, value_w, row_h, top = 270, 130, 22, 8
    bar_w = max(width - label_w - value_w, 80)
    peak = max((s.premium_hkd for s in c.scenarios if s.premium_hkd is not None), default=Decimal(0))
    parts = []
    for i, s in enumerate(c.scenarios):
        y = top + i * row_h
        label = Markup('<text x="{x}" y="{y}" text-anchor="end" font-size="12">{t}<title>{full}</title></text>').format(
            x=label_w - 8, y=y + 15, t=_short(s.name), full=s.name)
        if s.premium_hkd is None:
            why = _VERDICT_TEXT.get(s.verdict, s.verdict) + (f", {s.paragraph}" if s.verdict == "not_allowed" else "")
            body = Markup(
                '<text x="{x}" y="{y}" font-size="11.5" fill="#b42318" font-style="italic">{t}</text>'
            ).format(x=label_w, y=y + 15, t=why)
        else:
            w = 0.0 if peak == 0 else float(s.premium_hkd / peak) * bar_w
            body = Markup(
                '<rect x="{x}" y="{y}" width="{w:.1f}" height="{h}" rx="2" fill="{fill}"><title>{full}: {v}</title>'
                '</rect><text x="{tx:.1f}" y="{ty}" font-size="11.5">{v}</text>'
            ).format(x=label_w, y=y + 3, w=w, h=row_h - 7, fill=_BAR_FILED if s.kind == "filed" else _BAR,
                     full=s.name, v=money(s.premium_hkd), tx=label_w + w + 6, ty=y + 15)
        parts.append(Markup('<g class="bar" data-verdict="{}">').format(s.verdict) + label + body + Markup("</g>"))
    height = top * 2 + row_h * len(c.scenarios)
    return Markup(
        '<svg class="kit-compare-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
        'height="{h}" role="img" aria-label="{aria}" font-family="sans-serif">{body}</svg>'
    ).format(w=width, h=height, aria=f"premium by scenario for {c.lot_id}", body=Markup("").join(parts))


def compare_section(c: Comparison) -> Markup:
    """A report section: the lot's scenarios as a chart and a table (docs/outputs.md)."""
    filed = c.filed
    lead = (f"The lot as filed is priced at {money(filed.premium_hkd)}" if filed.premium_hkd is not None
            else f"The lot as filed is {_VERDICT_TEXT.get(filed.verdict, filed.verdict)}")
    return Markup(
        '<section class="kit" id="kit-compare"><h2>Scenarios: {lot}</h2><p>{lead}. Each alternative below is '
        "priced at standard rates by the same rules: the Option is irreversible (para 4), so is the alternative "
        "basis for C (para 5(iii)), and the rates prevailing at acceptance of the PBTO apply (para 6). A scenario "
        "the Practice Note does not allow is shown, not priced.</p>{chart}{table}</section>"
    ).format(lot=c.lot_id, lead=lead, chart=compare_chart(c), table=compare_table(c))


#: statuses whose consequence the report spells out (done and info events need none)
_ACTIONABLE = ("due", "overdue", "expected")


def timeline_section(t: Timeline) -> Markup:
    """A report section: the lot's dated steps with paragraph, status (as of ``t.today``) and consequence."""
    rows = []
    for e in t.events:
        rows.append(Markup(
            '<tr data-status="{status}" data-kind="{kind}"><td class="num">{date}</td><td>{event}</td>'
            '<td>{para}</td><td><span class="badge" style="background:{colour}">{status}</span></td>'
            '<td class="note">{consequence}</td></tr>'
        ).format(status=e.status, kind=e.kind, date=e.date.isoformat() if e.date else "not dated", event=e.event,
                 para=e.paragraph, colour=_STATUS_COLOUR.get(e.status, "#5b6470"),
                 consequence=e.consequence if e.status in _ACTIONABLE else ""))
    return Markup(
        '<section class="kit" id="kit-timeline"><h2>Timeline: {lot}</h2><p>Deadlines and expected dates under '
        "PN 12/2023, status as of {today}. Missing the Option deadline means a fresh application with new fees "
        '(para 11).</p><table class="kit-timeline-table"><thead><tr><th class="num">date</th><th>event</th>'
        "<th>PN</th><th>status</th><th>if missed / what follows</th></tr></thead><tbody>{rows}</tbody></table>"
        "</section>"
    ).format(lot=t.lot_id, today=t.today.isoformat(), rows=Markup("").join(rows))
