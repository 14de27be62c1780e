"""The Jinja2 environment of lotrate's own page templates (autoescaped) and the inlined report styles."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2


TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    import jinja2

    # autoescape everywhere: every value is text unless the template says |safe (only our own markup)
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


@lru_cache(maxsize=1)
def report_css() -> str:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise RuntimeError("report.css cannot be inlined")
    return css
