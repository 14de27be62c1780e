"""Write the embedded sample lots, data/samples/sample_lots.geojson (lot file format v1, DESIGN section 6).

Each sample is a rectangular lot boundary centred on a real pre-1987 industrial street (coordinates read off
public maps), with illustrative lot numbers and figures: they show every rule of the premium engine, they are
not real applications. The boundary is drawn in HK1980 Grid and written in WGS 84 (RFC 7946), 1e-7 degrees.

Run:  python scripts/build_samples.py
"""

from __future__ import annotations

import json
from pathlib import Path

from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "samples" / "sample_lots.geojson"

# lon, lat, width m, depth m, properties
SAMPLES: list[tuple[float, float, float, float, dict[str, object]]] = [
    (
        114.2235,
        22.3110,
        40,
        30,
        {
            "lot_id": "KTIL 713",
            "address": "Hoi Yuen Road, Kwun Tong",
            "pbto_accepted": "2024-02-15",
            "max_gfa_m2": 14400,
            "gfa_after_m2": {"commercial": 14400},
            "private_residential_prohibited": True,
            "ozp_zone": "OU(B)",
            "gfa_before_m2": {"industrial": 10800},
            "lot_user": "industrial",
            "building_completed": "1975-06-30",
            "wholesale_converted": False,
            "special_use_after": None,
        },
    ),
    (
        114.1985,
        22.3365,
        35,
        35,
        {
            "lot_id": "NKIL 4745",
            "address": "Tai Yau Street, San Po Kong",
            "pbto_accepted": "2024-03-01",
            "max_gfa_m2": 14700,
            "gfa_after_m2": {"commercial": 12700, "hotel": 2000},
            "private_residential_prohibited": True,
            "ozp_zone": "OU(B)",
            "gfa_before_m2": {"industrial": 11025},
            "lot_user": "industrial_godown",
            "building_completed": "1968-11-20",
            "wholesale_converted": False,
        },
    ),
    (
        114.1545,
        22.3370,
        30,
        40,
        {
            "lot_id": "NKIL 5981",
            "address": "Cheung Sha Wan Road, Cheung Sha Wan",
            "pbto_accepted": "2024-01-10",
            "max_gfa_m2": 14400,
            "gfa_after_m2": {"commercial": 9400, "modern_industrial": 5000},
            "private_residential_prohibited": True,
            "ozp_zone": "OU(B)",
            "gfa_before_m2": {"industrial": 12000},
            "lot_user": "godown",
            "plans_first_submitted": "1986-12-01",
            "wholesale_converted": False,
        },
    ),
    (
        114.1895,
        22.3165,
        25,
        30,
        {
            "lot_id": "KIL 9030",
            "address": "Ma Tau Kok Road, To Kwa Wan",
            "pbto_accepted": "2024-02-20",
            "max_gfa_m2": 6750,
            "gfa_after_m2": {"residential": 6000, "commercial": 750},
            "private_residential_prohibited": False,
            "ozp_zone": "R(A)",
            "gfa_before_m2": {"industrial": 6750},
            "lot_user": "unrestricted",
            "building_completed": "1964-03-15",
            "wholesale_converted": False,
        },
    ),
    (
        114.2375,
        22.2660,
        40,
        35,
        {
            "lot_id": "CWIL 88",
            "address": "Lee Chung Street, Chai Wan",
            "pbto_accepted": "2024-03-15",
            "max_gfa_m2": 16800,
            "gfa_after_m2": {"commercial": 16800},
            "private_residential_prohibited": True,
            "ozp_zone": "OU(B)",
            "gfa_before_m2": {"special_industrial": 12600},
            "lot_user": "special_industrial",
            "building_completed": "1972-08-01",
            "wholesale_converted": False,
        },
    ),
    (
        114.1690,
        22.2480,
        45,
        40,
        {
            "lot_id": "AIL 384",
            "address": "Wong Chuk Hang Road, Wong Chuk Hang",
            "pbto_accepted": "2024-01-25",
            "max_gfa_m2": 21600,
            "ga_nofa_m2": 500,
            "ga_cost_hkd": 45000000,
            "gfa_after_m2": {"commercial": 20700},
            "private_residential_prohibited": True,
            "ozp_zone": "OU(B)",
            "gfa_before_m2": {"industrial": 16200},
            "lot_user": "industrial",
            "building_completed": "1981-05-12",
            "wholesale_converted": False,
        },
    ),
    (
        114.1300,
        22.3650,
        50,
        40,
        {
            "lot_id": "KCTL 371",
            "address": "Tai Lin Pai Road, Kwai Chung",
            "pbto_accepted": "2024-02-05",
            "max_gfa_m2": 19000,
            "gfa_after_m2": {"modern_industrial": 19000},
            "private_residential_prohibited": True,
            "ozp_zone": "I",
            "gfa_before_m2": {"industrial": 15000, "special_industrial": 2000},
            "lot_user": "industrial",
            "building_completed": "1979-09-30",
            "wholesale_converted": False,
        },
    ),
    (
        114.1925,
        22.3960,
        60,
        50,
        {
            "lot_id": "STTL 325",
            "address": "Au Pui Wan Street, Fo Tan",
            "pbto_accepted": "2024-03-28",
            "max_gfa_m2": 27000,
            "gfa_after_m2": {"residential": 18000, "commercial": 9000},
            "private_residential_prohibited": False,
            "ozp_zone": "CDA",
            "gfa_before_m2": {"industrial": 21000},
            "lot_user": "industrial",
            "building_completed": "1984-02-29",
            "wholesale_converted": False,
        },
    ),
    (
        113.9740,
        22.3905,
        40,
        40,
        {
            "lot_id": "TMTL 120",
            "address": "San On Street, Tuen Mun",
            "pbto_accepted": "2022-06-01",
            "max_gfa_m2": 15200,
            "gfa_after_m2": {"commercial": 15200},
            "private_residential_prohibited": True,
            "ozp_zone": "OU(B)",
            "gfa_before_m2": {"industrial": 14400},
            "lot_user": "industrial",
            "building_completed": "1983-10-10",
            "wholesale_converted": False,
        },
    ),
    (
        114.1700,
        22.4520,
        40,
        45,
        {
            "lot_id": "TPTL 12",
            "address": "Ting Kok Road, Tai Po",
            "pbto_accepted": "2024-03-05",
            "max_gfa_m2": 10800,
            "gfa_after_m2": {"commercial": 6800, "modern_industrial": 4000},
            "private_residential_prohibited": True,
            "ozp_zone": "OU(B)",
            "gfa_before_m2": {"industrial": 9000},
            "lot_user": "industrial",
            "building_completed": "1980-04-18",
            "wholesale_converted": False,
        },
    ),
    (
        114.1830,
        22.4570,
        80,
        60,
        {
            "lot_id": "TPTL 45",
            "address": "Dai Fu Street, Tai Po INNOPARK",
            "pbto_accepted": "2024-02-15",
            "max_gfa_m2": 24000,
            "gfa_after_m2": {"modern_industrial": 24000},
            "private_residential_prohibited": True,
            "ozp_zone": "I",
            "gfa_before_m2": {"industrial": 12000},
            "lot_user": "industrial",
            "building_completed": "1985-07-01",
            "wholesale_converted": False,
        },
    ),
]


# the Option Form, submitted before PBTO acceptance (para 4), and no special use after (fn 4); one lot
# (NKIL 5981) leaves them out to show the checks a lot file does not settle
def _with_defaults(props: dict[str, object]) -> dict[str, object]:
    if props["lot_id"] == "NKIL 5981":
        return props
    pbto = str(props["pbto_accepted"])
    return {"special_use_after": None, "option_submitted": pbto[:8] + "01", **props}


def main() -> int:
    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:2326", always_xy=True)
    to_wgs = Transformer.from_crs("EPSG:2326", "EPSG:4326", always_xy=True)
    features = []
    for lon, lat, w, d, props in SAMPLES:
        e, n = to_grid.transform(lon, lat)
        ring = [(e - w / 2, n - d / 2), (e + w / 2, n - d / 2), (e + w / 2, n + d / 2), (e - w / 2, n + d / 2)]
        ring.append(ring[0])
        coords = [[round(c, 7) for c in to_wgs.transform(x, y)] for x, y in ring]
        features.append(
            {
                "type": "Feature",
                "properties": _with_defaults(props),
                "geometry": {"type": "Polygon", "coordinates": [coords]},
            }
        )
    doc = {"type": "FeatureCollection", "name": "sample_lots", "features": features}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
