"""`kgedit trace`: causal tracing (ROME §2) of a checkpoint on its world: where each fact is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from kgedit.trace.config import TraceConfig

from .common import DbOption, OutputFormat, option, out
from .progress import progress_display


def trace_command(
    model: Path = option(TraceConfig, "model"),
    db_path: Path = DbOption,
    cases: int = option(TraceConfig, "cases"),
    facts: int = option(TraceConfig, "facts"),
    kind: str = option(TraceConfig, "kind"),
    samples: int = option(TraceConfig, "samples"),
    noise: float = option(TraceConfig, "noise"),
    window: int = option(TraceConfig, "window"),
    seed: int = option(TraceConfig, "seed"),
    examples: int = option(TraceConfig, "examples"),
    device: str = option(TraceConfig, "device"),
    batch_size: int = option(TraceConfig, "batch_size"),
    out_dir: Path = typer.Option(Path("trace"), "--out",
                                 help="Trace folder: trace.duckdb, parquet/, heatmap PNGs (a new or empty folder)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Trace the facts the model answers correctly: corrupt the subject's embeddings with noise, restore one
    clean state per (token, layer), and report each state's indirect effect on p(object), averaged by token
    class; heatmaps and tables go to --out, the traced layer to the checkpoint's cache (rome layer=trace)."""
    from kgedit.report.render import render_rows, to_json
    from kgedit.trace.store import trace_checkpoint

    config = TraceConfig(model=str(model), world_db=str(db_path), cases=cases, facts=facts, kind=kind,
                         samples=samples, noise=noise, window=window, seed=seed, examples=examples, device=device,
                         batch_size=batch_size)
    config.check()
    with progress_display() as progress:
        summary = trace_checkpoint(config, out_dir, progress)
    typer.echo(f"{summary['n_traced']} of {summary['n_candidates']} prompts traced ({summary['n_skipped']} skipped: "
               f"answered wrong), {summary['cells_per_second']:,.0f} restored runs/s; results in {out_dir}/", err=True)
    if fmt == OutputFormat.json:
        out(to_json({k: v for k, v in summary.items() if k != "config"}))
        return
    out(render_rows(["quantity", "value"], _facts(summary), fmt.value, title="causal trace"))
    for kind, by_class in summary["average"].items():
        rows = [[name, summary["class_counts"][name], *values] for name, values in by_class.items()
                if summary["class_counts"][name]]
        out(render_rows(["token class", "prompts", *(f"layer {l}" for l in range(summary["n_layers"]))], rows,
                        fmt.value, title=f"average indirect effect: {kind}"))


def _facts(summary: dict[str, Any]) -> list[list[Any]]:
    return [["prompts traced", summary["n_traced"]], ["skipped (answered wrong)", summary["n_skipped"]],
            ["average total effect", summary["avg_total_effect"]], ["noise sigma", summary["sigma"]],
            ["window (layers)", summary["window_layers"]], ["layers", summary["n_layers"]],
            ["traced layer (peak MLP effect, last subject token)", summary["traced_layer"]],
            ["restored runs per second", round(summary["cells_per_second"])]]
