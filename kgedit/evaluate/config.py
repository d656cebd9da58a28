"""What an evaluation and its tables are asked for: each setting's default, help text and check (kept
apart from run.py and tables.py, so the command line reads them without numpy)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kgedit import checks
from kgedit.settings import setting

BATCH_SIZE_HINT = "Prompts scored per forward pass; the default is 64."


@dataclass(frozen=True)
class EvalConfig:
    model: str = setting(help="Model folder: a kgedit checkpoint (kgedit train --out) or any Hugging Face "
                              "causal LM (config.json, model.safetensors, tokenizer files).")
    world_db: str
    editor: str = setting("lora", help="Editing method.")
    editor_params: dict[str, str] = field(default_factory=dict)
    cases: int | None = setting(None, help="Evaluate the first N cases (default: all).")  # all when None
    seed: int = setting(0, help="Seed of the editors' random initialisations.")
    device: str = setting("auto", help="auto, cpu or cuda.")
    dtype: str = setting("auto", help="Model weights: fp32, bf16 or fp16 (auto: fp32 on a CPU, bf16 on a GPU).")
    batch_size: int = setting(64, help="Scoring batch size.")
    trace: bool = setting(False, help="Keep per-step edit traces (loss, p(target)) in the results.")
    # independent edits per batch (None: chosen by device memory)
    parallel_edits: int | None = setting(None, help="Independent edits trained and measured at once, lora and bayes "
                                                    "(default: by device memory, at most 256 on a GPU, on a CPU 64 "
                                                    "and ~512 training rows per batch; 1 for the other editors).")

    def check(self, name: checks.Namer = checks.option_name, *, editor: bool = True) -> None:
        """Every option and (unless `editor` is False: an editor made by the caller) the editor's
        parameters, before a model is loaded or a file written."""
        from kgedit.editors import check_params
        from kgedit.lm.checkpoint import check_device
        from kgedit.lm.model_folder import check_dtype

        if self.cases is not None:
            checks.integer(name("cases"), self.cases, low=1, hint="Leave it out to evaluate every case.")
        checks.seed(name("seed"), self.seed)
        check_device(self.device, name("device"))
        check_dtype(self.dtype, name("dtype"))
        checks.integer(name("batch_size"), self.batch_size, low=1, hint=BATCH_SIZE_HINT)
        if self.parallel_edits is not None:
            checks.integer(name("parallel_edits"), self.parallel_edits, low=1,
                           hint="1 edits one case at a time; leave it out for the device's default.")
        if editor:
            check_params(self.editor, self.editor_params)


@dataclass(frozen=True)
class TableOptions:
    """Which variant of Tables 4/5 (SPEC §9) is computed: `kgedit evaluate` and `kgedit report` options, the
    experiment file's [report] keys (checked by kgedit.evaluate.tables.check_options)."""

    match: str = setting("exact", help="Generative accuracy: exact (SPEC) or contains (orig).")
    prob: str = setting("raw", help="p_LM: raw (full vocabulary) or norm (over the relation's objects).")
    weight: str = setting("n_prime", help="Bayesian targets after weight n_prime (paper) or n.")
