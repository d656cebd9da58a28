"""Every reported metric once: its column header, its unit and which way is better (↑ / ↓). Tables,
notes, plot labels and the experiment report take the header and the direction from here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kgedit.evaluate.case_set import PROBES
from kgedit.evaluate.counterfact import SCORES


@dataclass(frozen=True)
class Metric:
    header: str
    higher_is_better: bool | None = None    # None: neither (seconds)
    unit: str = ""                          # "%": shown as 100 × the value; "s": seconds

    @property
    def shown_header(self) -> str:
        """The header with its unit where the values are shown as percentages."""
        return f"{self.header} %" if self.unit == "%" else self.header


METRICS: dict[str, Metric] = {
    **{f"acc_{p}": Metric(f"{p} acc", higher_is_better=True) for p in PROBES},         # generative accuracy
    **{f"coh_{p}": Metric(f"{p} coh", higher_is_better=False) for p in PROBES},        # MAE to the Bayesian posterior
    "tf": Metric("TF", higher_is_better=False), "neg": Metric("neg", higher_is_better=False),   # logical coherence MAE
    "and": Metric("and", higher_is_better=False), "or": Metric("or", higher_is_better=False),
    **{s: Metric(s, higher_is_better=True, unit="%") for s in SCORES if s != "GE"},     # CounterFact (ROME)
    "GE": Metric("GE", higher_is_better=True),                                         # fluency, bits
    "sec_mean": Metric("s/edit", unit="s"), "sec_p50": Metric("p50 s", unit="s"), "sec_p95": Metric("p95 s", unit="s"),
}


def _direction(keys: Iterable[str]) -> bool:
    keys = tuple(keys)
    directions = {METRICS[k].higher_is_better for k in keys}
    if len(directions) != 1 or None in directions:
        raise ValueError(f"{sorted(keys)} do not share one direction")
    return directions.pop()


def arrow(keys: Iterable[str]) -> str:
    """↑ (higher is better) or ↓ (lower is better), common to every metric in `keys`."""
    return "↑" if _direction(keys) else "↓"


def better(keys: Iterable[str]) -> str:
    """'higher is better' or 'lower is better', common to every metric in `keys`."""
    return "higher is better" if _direction(keys) else "lower is better"


def headers(keys: Iterable[str]) -> list[str]:
    return [METRICS[k].header for k in keys]
