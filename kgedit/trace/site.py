"""Edits placed by causal tracing (ROME §3.4): rome's `layer=trace` and memit's `layers=trace`.

The site is the layer of the peak average MLP indirect effect at the last subject token, with the
trace's window of layers around it (memit). It comes from a trace with the default settings
(kgedit.trace.config.TraceConfig: 100 seeded corpus facts, 10 noise samples, σ = 3 std), cached beside
the checkpoint in kgedit_stats/trace_<key>.json. The key hashes the weights, the traced facts, σ, the
window, the samples and the seed, so `kgedit trace` with default settings fills the same entry, and a
changed model or world never reuses a stale one. A model without a checkpoint folder is traced afresh.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from kgedit.editors.keystats import cache_dir, parameters_digest
from kgedit.evaluate.results import fingerprint
from kgedit.progress import Progress
from kgedit.trace.config import TraceConfig
from kgedit.trace.grid import LAST_SUBJECT, TOKEN_CLASSES, window_layers
from kgedit.trace.run import TracePlan, TraceResult, plan_trace, run_trace


@dataclass(frozen=True)
class TracedSite:
    layer: int                      # peak of the average MLP indirect effect at the last subject token
    window: tuple[int, ...]         # the trace's window of layers around it
    effects: tuple[float, ...]      # that average, per layer
    n_traced: int


def site_key(model, plan: TracePlan, config: TraceConfig) -> str:
    return fingerprint({"weights": parameters_digest(model), **plan.determining(config)})


def site_of(result: TraceResult) -> TracedSite:
    layer = result.layer
    effects = result.average["mlp"][TOKEN_CLASSES.index(LAST_SUBJECT)]
    return TracedSite(layer, window_layers(layer, result.plan.window, result.plan.n_layers),
                      tuple(float(e) for e in effects), len(result.traced))


def _path(model, key: str) -> Path | None:
    folder = cache_dir(model)
    return folder / f"trace_{key}.json" if folder else None


def load_site(model, key: str) -> TracedSite | None:
    """The cached site, or None when there is none or the file is damaged (then it is traced again)."""
    path = _path(model, key)
    try:
        raw = json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else None
        return None if raw is None else TracedSite(int(raw["layer"]), tuple(raw["window"]), tuple(raw["effects"]),
                                                   int(raw["n_traced"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_site(model, key: str, site: TracedSite) -> None:
    """Write the site beside the checkpoint atomically; skipped when there is no writable checkpoint folder
    (the cache is an optimisation)."""
    path = _path(model, key)
    if path is None:
        return
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        tmp.write_text(json.dumps({"layer": site.layer, "window": list(site.window), "effects": list(site.effects),
                                   "n_traced": site.n_traced}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def traced_site(model, tok, world_db: Path, progress: Progress | None = None) -> TracedSite:
    """The checkpoint's traced edit site (cached; traced with the default settings when not)."""
    config = TraceConfig(model=str(getattr(model, "name_or_path", "")), world_db=str(world_db), kind="mlp")
    plan = plan_trace(model, tok, Path(world_db), config)
    key = site_key(model, plan, config)
    site = load_site(model, key)
    if site is None:
        site = site_of(run_trace(model, tok, plan, config, progress))
        store_site(model, key, site)
    return site
