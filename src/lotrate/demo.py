"""``make demo``: resolve and assess the embedded sample lots, print a table, write their HTML reports.

Run as ``python -m lotrate.demo [OUT_DIR]`` (reports go to ``out/reports`` by default).
"""

from __future__ import annotations

import sys
from pathlib import Path

from lotrate._data import data_path
from lotrate.io.lotfile import read_features
from lotrate.resolution.lots import resolve_geometry


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) if i < len(cells) - 1 else c for i, (c, w) in enumerate(zip(cells, widths)))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out_dir = Path(argv[0]) if argv else Path("out") / "reports"
    samples = data_path("samples", "sample_lots.geojson")
    print(f"Sample lots: {samples}\n")

    head = ["lot", "region", "district", "from other region", "zones", "warnings"]
    rows = []
    for feat in read_features(samples):
        r = resolve_geometry(feat.geometry, feat.crs)
        rows.append(
            [
                feat.lot_id,
                r.region_code,
                r.district,
                f"{r.boundary_distance_m:,.0f} m ({r.nearest_region})",
                ", ".join(f"{z.kind}: {z.name}" for z in r.zones) or "-",
                ", ".join(w.code for w in r.warnings) or "-",
            ]
        )
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    print("Where each lot lies (Appendix II region, district, confidence)")
    print(_row(head, widths))
    print(_row(["-" * w for w in widths], widths))
    for row in rows:
        print(_row(row, widths))
    from lotrate.cli.app import assessment_table
    from lotrate.premium.assess import assess_all
    from lotrate.render.reportset import write_reports

    print("\nPremium at standard rates (PN 12/2023 para 5: A x B - C x D - E, never below zero)")
    print(assessment_table(assess_all(samples)))
    written = write_reports(samples, out_dir)
    print("\nReports, one self-contained HTML page per lot (they open offline in any browser):")
    print(f"  {written.index.resolve()}")
    for e in written.entries:
        print(f"  {e.lot_id:<10} {e.path.resolve() if e.path else 'error: ' + str(e.error)}")
    print("\nEstimates at standard rates, not the Lands Department's determination.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
