"""Shared helpers: paired timings (baseline and ours alternate, so load on a shared machine hits both), medians."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def paired(baseline: Callable[[], Any], ours: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """Run baseline and ours alternately ``repeat`` times; (median baseline s, median ours s, median ratio)."""
    tb, to, ratios = [], [], []
    for _ in range(repeat):
        b, _ = timed(baseline)
        o, _ = timed(ours)
        tb.append(b)
        to.append(o)
        ratios.append(b / o)
    return statistics.median(tb), statistics.median(to), statistics.median(ratios)


def line(label: str, seconds: float, ratio: float | None = None, against: str = "", note: str = "") -> str:
    r = f"{ratio:7.1f}x {against}" if ratio is not None else ""
    return f"{label:<58} {seconds:9.3f} s  {r:<26} {note}".rstrip()


def verdict(value: float, target: float, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "target met" if ok else "target NOT met"
