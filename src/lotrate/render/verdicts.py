"""The three verdicts a client sees: the scheme applies, does not apply, or rests on unverified checks.

``Assessment.verdict`` is the engine's word when it has one; until then (and for frames written before it) the
verdict is derived here from ``applicable`` and the checks still unknown.

Examples
--------
>>> verdict_from(applicable=True, unknown_checks=0)
'applicable'
>>> verdict_from(applicable=True, unknown_checks=2)
'unverified'
>>> VERDICT_LABELS["not_applicable"]
'scheme not applicable'
"""

from __future__ import annotations

from typing import Any

VERDICTS = ("applicable", "not_applicable", "unverified")

VERDICT_LABELS: dict[str, str] = {
    "applicable": "scheme applies",
    "not_applicable": "scheme not applicable",
    "unverified": "unverified",
    "not_assessed": "location only",
    "error": "not computed",
}

VERDICT_COLOURS: dict[str, str] = {
    "applicable": "#1A7F37",
    "not_applicable": "#B42318",
    "unverified": "#B07800",
    "not_assessed": "#6E7781",
    "error": "#6E7781",
}


def verdict_from(*, applicable: Any, unknown_checks: int, error: Any = None, verdict: Any = None) -> str:
    """A verdict key from what a result or a frame row carries."""
    if isinstance(verdict, str) and verdict in VERDICTS:
        return verdict
    if error:
        return "error"
    if applicable is None:  # the engine's word for "no check failed, some unknown"
        return "unverified"
    if not bool(applicable):
        return "not_applicable"
    return "unverified" if unknown_checks else "applicable"


def verdict_of(assessment: Any) -> str:
    """The verdict of an :class:`~lotrate.premium.assess.Assessment` (``"not_assessed"`` for ``None``)."""
    if assessment is None:
        return "not_assessed"
    unknown = sum(1 for c in assessment.eligibility if c.status == "unknown" and getattr(c, "blocking", True))
    return verdict_from(
        applicable=assessment.applicable, unknown_checks=unknown, verdict=getattr(assessment, "verdict", None)
    )


def verdict_of_row(row: Any) -> str:
    """The verdict of a row of :func:`~lotrate.premium.assess.assess_frame` output (a mapping)."""
    get = row.get if hasattr(row, "get") else (lambda k, d=None: getattr(row, k, d))
    eligibility = get("eligibility", None)
    unknown = str(eligibility).count(":unknown") if isinstance(eligibility, str) else 0
    applicable = get("applicable", None)
    try:
        import pandas as pd

        if applicable is not None and pd.isna(applicable):
            applicable = None
    except (ImportError, TypeError, ValueError):
        pass
    error = get("error", None)
    if error is not None and not isinstance(error, str):
        error = None
    return verdict_from(applicable=applicable, unknown_checks=unknown, error=error, verdict=get("verdict", None))
