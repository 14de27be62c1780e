#!/usr/bin/env bash
# Build the wheel, install it into a fresh venv outside the checkout, and use it as a GIS analyst would:
# the CLI and `import lotrate` from another folder, with no source tree and nothing beside it.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# sdist first, then the wheel built from the sdist: both must carry every data file the package reads
"$here/.venv/bin/python" -m build --sdist -o "$work/sdist" "$here" >/dev/null
sdist="$(ls "$work"/sdist/lotrate-*.tar.gz)"
tar tzf "$sdist" > "$work/sdist.txt"   # listed once (grep -q on a pipe would cut tar off under pipefail)
for f in data/regions/appendix_ii.geojson data/zones/nda.geojson data/rates/pn_12_2023.csv data/index/regions.bin \
         data/schema/lot.schema.json data/samples/sample_lots.geojson render/templates/report.html.j2; do
  grep -q "src/lotrate/$f" "$work/sdist.txt" || { echo "sdist lacks $f"; exit 1; }
done
"$here/.venv/bin/python" -m pip wheel --no-deps -q -w "$work/dist" "$sdist"
wheel="$(ls "$work"/dist/lotrate-*.whl)"
"$here/.venv/bin/python" -m zipfile -l "$wheel" > "$work/wheel.txt"
for f in data/regions/appendix_ii.geojson data/index/zones.bin render/templates/forms; do
  grep -q "lotrate/$f" "$work/wheel.txt" || { echo "wheel lacks $f"; exit 1; }
done
if grep -q "data/sources/hk_dcca_2019" "$work/wheel.txt"; then
  echo "wheel carries the build sources"; exit 1
fi
"$py" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "$wheel"

cd "$work"   # nowhere near the checkout
lot="$work/lot.geojson"
cat > "$lot" <<'JSON'
{"type": "Feature",
 "geometry": {"type": "Polygon", "coordinates": [[[114.2230, 22.3105], [114.2240, 22.3105],
   [114.2240, 22.3114], [114.2230, 22.3114], [114.2230, 22.3105]]]},
 "properties": {"lot_id": "KTIL 999 (wheel check)", "pbto_accepted": "2024-02-15", "max_gfa_m2": 12000,
   "gfa_after_m2": {"commercial": 12000}, "private_residential_prohibited": true,
   "gfa_before_m2": {"industrial": 6000}, "lot_user": "industrial",
   "building_completed": "1975-06-01", "plans_first_submitted": "1973-01-10"}}
JSON
lr="$work/venv/bin/lotrate"
"$lr" --version
"$lr" resolve 114.2235 22.3110 | head -1
"$lr" resolve 835411.431 817266.016 --crs EPSG:2326 --json | "$work/venv/bin/python" -c \
  "import json,sys; d=json.load(sys.stdin); assert d['region_code']=='KW', d; print('resolve json ok', d['versions'])"
"$lr" assess "$lot" --json | "$work/venv/bin/python" -c \
  "import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; assert d['region_code']=='KE', d; print('assess ok', d['premium_hkd'])"
"$lr" report "$lot" -o "$work/report.html" && test -s "$work/report.html" && echo "report ok"
"$work/venv/bin/python" - <<'PY'
import lotrate
r = lotrate.resolve(x=114.2235, y=22.3110)
assert r.region_code == "KE", r
assert lotrate.data_path("regions", "appendix_ii.geojson").is_file()
assert "site-packages" in str(lotrate.data_path("regions")), lotrate.data_path("regions")
print("import ok", lotrate.__version__, lotrate.data_version())
PY
echo "wheel check passed"
