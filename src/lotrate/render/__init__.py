"""Rendering: number formats, folium maps, HTML reports, Jupyter views."""
