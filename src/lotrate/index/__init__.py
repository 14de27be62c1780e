"""Spatial indexes: integer answers over raw arrays (regions, districts, zones, boundary segments)."""
