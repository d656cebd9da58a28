"""A `kgedit` command line in which the LoRA editor of rank FAIL_RANK raises a KgeditError at its
FAIL_AT-th edit batch (tests/integration/test_distributed.py launches it once per rank, as srun would):
python tests/failing_rank.py evaluate --model ... (the arguments of `kgedit`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cli.app import app  # noqa: E402
from kgedit.editors.lora import LoraEditor  # noqa: E402
from kgedit.errors import KgeditError  # noqa: E402

MESSAGE = "injected failure of rank"
FAIL_AT = int(os.environ.get("FAIL_AT", "3"))
original = LoraEditor.edit_cases
calls = 0


def failing_edit_cases(self, *args, **kwargs):
    global calls
    calls += 1
    if os.environ["RANK"] == os.environ["FAIL_RANK"] and calls == FAIL_AT:
        raise KgeditError(f"{MESSAGE} {os.environ['RANK']}.")
    return original(self, *args, **kwargs)


LoraEditor.edit_cases = failing_edit_cases
app(sys.argv[1:], prog_name="kgedit")
