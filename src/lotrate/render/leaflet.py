"""Leaflet's own JavaScript and CSS, inlined from the installed ``xstatic-leaflet`` package, and a folium map cut
into the fragments a page places."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import folium


@dataclass(frozen=True)
class LeafletAssets:
    """Leaflet's script and stylesheet as text, its images inlined into the stylesheet as data URIs."""

    version: str
    js: str
    css: str


@lru_cache(maxsize=1)
def leaflet_assets() -> LeafletAssets:
    """Leaflet from the installed ``xstatic-leaflet`` package, ready to inline into one HTML file.

    Examples
    --------
    >>> a = leaflet_assets()
    >>> a.version.startswith("1.9"), "images/" in a.css, "</script" in a.js.lower()
    (True, False, False)
    """
    import xstatic.pkg.leaflet as xleaflet

    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    # source maps are not shipped inline: drop the pointer so a browser never asks for the file
    js = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", js)

    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode((base / match.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    if "</script" in js.lower() or "</style" in css.lower():  # would end the inline element early
        raise RuntimeError(f"the installed Leaflet ({base}) cannot be inlined into HTML")
    return LeafletAssets(version=str(xleaflet.VERSION), js=js, css=css)


def data_uri(mime: str, text: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(text.encode('utf-8')).decode('ascii')}"


@dataclass(frozen=True)
class MapFragments:
    """A rendered map cut into the pieces a page needs: ``head`` (styles), ``body`` (the div), ``script``.

    Leaflet itself is not included: the page inlines :func:`leaflet_assets` once.
    """

    name: str
    head: str
    body: str
    script: str


def map_fragments(m: folium.Map) -> MapFragments:
    """Render ``m`` for embedding in another HTML page (no Leaflet links, no page-level meta or styles).

    Examples
    --------
    >>> from lotrate.render.maps import lot_map
    >>> f = map_fragments(lot_map())
    >>> f.body.count(f.name), "L.map(" in f.script, "<script src" in f.head
    (1, True, False)
    """
    import folium

    saved = m.__dict__.get("default_js"), m.__dict__.get("default_css")
    m.default_js, m.default_css = [], []
    try:
        fig = m.get_root()
        if not isinstance(fig, folium.Figure):
            fig = folium.Figure()
            fig.add_child(m)
        fig.render()
        head = fig.header.render()
        body = fig.html.render()
        script = fig.script.render()
    finally:
        for key, value in zip(("default_js", "default_css"), saved):
            if value is None:
                m.__dict__.pop(key, None)
            else:
                setattr(m, key, value)
    head = re.sub(r"<meta\b[^>]*>", "", head)
    # folium sizes the whole page for a full-window map; a page that embeds the map sizes it itself
    head = re.sub(r"<style>\s*html,\s*body\s*\{[^}]*\}\s*</style>", "", head)
    head = re.sub(r"<style>\s*#map\s*\{[^}]*\}\s*</style>", "", head)
    return MapFragments(name=m.get_name(), head=head, body=body, script=script)
