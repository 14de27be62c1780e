"""Named places with their expected Appendix II region and district (longitude, latitude, WGS 84).

Expectations come from geography (which district each place is in), not from lotrate's output. District
boundaries follow the 2019 District Council districts; regions follow DESIGN section 2.
"""

from __future__ import annotations

# name: (lon, lat, region_code, district)
INDUSTRIAL_AREAS = {
    "Kwun Tong, Hoi Yuen Road": (114.2235, 22.3110, "KE", "Kwun Tong"),
    "Kowloon Bay, Sheung Yuet Road": (114.2085, 22.3245, "KE", "Kwun Tong"),
    "San Po Kong, Tai Yau Street": (114.1985, 22.3365, "KE", "Wong Tai Sin"),
    "Cheung Sha Wan Road": (114.1545, 22.3370, "KW", "Sham Shui Po"),
    "To Kwa Wan, Ma Tau Kok": (114.1895, 22.3165, "KW", "Kowloon City"),
    "Tai Kok Tsui": (114.1620, 22.3210, "KW", "Yau Tsim Mong"),
    "Chai Wan, Lee Chung Street": (114.2375, 22.2660, "HKI", "Eastern"),
    "Wong Chuk Hang Road": (114.1690, 22.2480, "HKI", "Southern"),
    "Kennedy Town": (114.1280, 22.2830, "HKI", "Central and Western"),
    "Kwai Chung, Tai Lin Pai Road": (114.1300, 22.3650, "NTS", "Kwai Tsing"),
    "Tsuen Wan, Chai Wan Kok": (114.1110, 22.3700, "NTS", "Tsuen Wan"),
    "Fo Tan, Au Pui Wan Street": (114.1925, 22.3960, "NTS", "Sha Tin"),
    "Tseung Kwan O INNOPARK": (114.2720, 22.2820, "NTS", "Sai Kung"),
    "Tuen Mun, San On Street": (113.9740, 22.3905, "NTN", "Tuen Mun"),
    "Yuen Long town": (114.0300, 22.4450, "NTN", "Yuen Long"),
    "Tai Po INNOPARK": (114.1830, 22.4570, "NTN", "Tai Po"),
    "Sheung Shui": (114.1280, 22.5010, "NTN", "North"),
}

ISLANDS_AND_EDGES = {
    "Mui Wo, Lantau": (113.9970, 22.2650, "NTS", "Islands"),
    "Tung Chung": (113.9420, 22.2880, "NTS", "Islands"),
    "Cheung Chau": (114.0290, 22.2100, "NTS", "Islands"),
    "Sok Kwu Wan, Lamma": (114.1300, 22.2050, "NTS", "Islands"),
    "Fan Lau, Lantau south-west": (113.8450, 22.2020, "NTS", "Islands"),
    "Sha Tau Kok": (114.2240, 22.5440, "NTN", "North"),
    "Lo Wu station (HK side)": (114.1135, 22.5282, "NTN", "North"),
}

# inside Hong Kong, region only (the district is our own assignment or a matter of sea partition)
REGION_ONLY = {
    "Lok Ma Chau Loop": (114.0780, 22.5200, "NTN"),
}

# in the harbour: resolves (HK waters) to one of the two shores' regions
HARBOUR = {"Victoria Harbour, mid-channel": (114.1650, 22.2900, {"HKI", "KW"})}

OUTSIDE = {
    "Shenzhen, Futian centre": (114.0579, 22.5431),
    "Futian, just north of the Loop": (114.0800, 22.5320),
    "Macau, Senado Square": (113.5439, 22.1987),
    "South China Sea beyond the boundary": (114.3000, 22.0500),
    "Shekou, Shenzhen": (113.9150, 22.4850),
}

# Lands Department converter outputs (REFERENCE section 5): (northing, easting) -> (lat, lon)
CONTROL_POINTS = [
    ((820351.389, 832591.320), (22.322172084, 114.141187917)),
    ((828386.0, 815035.0), (22.394601560, 113.970677223)),
    ((817266.016, 835411.431), (22.294313001, 114.168562005)),
]
