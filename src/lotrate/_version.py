"""The package version: one place, read by ``pyproject.toml`` (dynamic version) and quoted in every answer."""

__version__ = "0.2.0"
