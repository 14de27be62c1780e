"""Resolution: a point, a lot or a table of them to region, district, zones and exact distances."""
