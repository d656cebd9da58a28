"""Running under torchrun (or srun with torchrun's variables): the ranks, the process group, the device of a
rank, deterministic shards, and synchronisation points at which every rank learns whether another one failed.

One process without those variables is world size 1: nothing here imports torch.distributed then, and the
orchestrators run exactly as before. The process group gets a timeout (KGEDIT_DIST_TIMEOUT seconds, default
1800) so a rank that dies can never leave the others waiting for ever; a rank whose own work failed raises
its error, the others raise a short KgeditError that points at it, so the error is printed once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from kgedit.errors import KgeditError

TIMEOUT_VARIABLE = "KGEDIT_DIST_TIMEOUT"
DEFAULT_TIMEOUT = 1800.0       # seconds: longer than any single-rank stretch (a probe evaluation, a merge)
T = TypeVar("T")


@dataclass(frozen=True)
class Ranks:
    """Where this process stands among the processes torchrun started."""
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


SINGLE = Ranks()


def ranks_from_env(env: dict[str, str] | None = None) -> Ranks:
    """RANK, WORLD_SIZE and LOCAL_RANK as torchrun sets them (none of them: one process)."""
    env = os.environ if env is None else env
    values = {}
    for name, default in (("RANK", "0"), ("WORLD_SIZE", "1"), ("LOCAL_RANK", "0")):
        text = env.get(name, default).strip()
        if not text.isdigit():
            raise KgeditError(f"{name}={text!r} is not a whole number.",
                              "Launch with torchrun (it sets RANK, WORLD_SIZE and LOCAL_RANK), or unset them.")
        values[name] = int(text)
    ranks = Ranks(values["RANK"], values["WORLD_SIZE"], values["LOCAL_RANK"])
    if ranks.world_size < 1 or ranks.rank >= ranks.world_size:
        raise KgeditError(f"RANK={ranks.rank} does not fit WORLD_SIZE={ranks.world_size}.",
                          "Launch with torchrun, which sets them consistently.")
    return ranks


def timeout() -> float:
    """Seconds a rank waits for the others at a synchronisation point: KGEDIT_DIST_TIMEOUT, or 1800."""
    text = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    try:
        value = float(text) if text else DEFAULT_TIMEOUT
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise KgeditError(f"{TIMEOUT_VARIABLE}={text!r} is not a number of seconds.",
                          f"Set it to more than 0, or unset it for the default {DEFAULT_TIMEOUT:.0f}.")
    return value


def rank_device(device: str, ranks: Ranks) -> str:
    """The device of this rank: under torchrun, auto and cuda mean the GPU of LOCAL_RANK."""
    if not ranks.distributed or device not in ("auto", "cuda"):
        return device
    import torch

    if torch.cuda.is_available():
        return f"cuda:{ranks.local_rank}"
    return "cpu" if device == "auto" else device


@contextlib.contextmanager
def process_group(device: str) -> Iterator[Ranks]:
    """The ranks of this process, with torch.distributed's process group set up for the body (NCCL for a
    GPU, gloo for the CPU) and torn down after it; one process needs no group."""
    ranks = ranks_from_env()
    if not ranks.distributed:
        yield ranks
        return
    import torch
    import torch.distributed as dist

    seconds = timeout()
    on_gpu = rank_device(device, ranks).startswith("cuda")
    if on_gpu:
        torch.cuda.set_device(ranks.local_rank)
    dist.init_process_group("nccl" if on_gpu else "gloo", timeout=dt.timedelta(seconds=seconds))
    try:
        yield ranks
    finally:
        dist.destroy_process_group()


@contextlib.contextmanager
def together(ranks: Ranks, what: str) -> Iterator[None]:
    """Run the body on every rank, then wait for all of them: a rank whose body failed raises its own
    error, every other rank a KgeditError naming the failed rank (its error is printed there)."""
    error: BaseException | None = None
    try:
        yield
    except BaseException as exc:         # an interrupt too: the others must not wait for this rank
        error = exc
    if ranks.distributed:
        try:
            failed = [r for r, bad in enumerate(_gather(ranks, error is not None)) if bad]
        except KgeditError:
            if error is None:
                raise
            failed = []        # this rank's own error is the one to report
        if error is None and failed:
            raise KgeditError(f"Rank {failed[0]} of {ranks.world_size} stopped while {what} (its error is "
                              "printed by that rank); this rank stops too.",
                              "Fix that error and run the same command again: finished work is kept.")
    if error is not None:
        raise error


def main_first(ranks: Ranks, what: str, fn: Callable[[], T]) -> T:
    """fn() on rank 0, then on the other ranks: they find what rank 0 wrote (a tokenizer, a cache)."""
    with together(ranks, what):
        if ranks.main:
            result = fn()
    return result if ranks.main else fn()


def agree_min(ranks: Ranks, value: int) -> int:
    """The smallest of every rank's value (a batch size all ranks can hold)."""
    return min(_gather(ranks, value)) if ranks.distributed else value


def shard(items: Sequence[T], ranks: Ranks) -> list[T]:
    """This rank's items, dealt round-robin in the given order: the same for the same world size."""
    return list(items[ranks.rank::ranks.world_size])


def all_mean(value, ranks: Ranks):
    """The mean of a tensor over the ranks (the tensor itself in one process)."""
    if not ranks.distributed:
        return value
    import torch.distributed as dist

    total = value.detach().clone()
    dist.all_reduce(total)
    return total / ranks.world_size


def data_parallel(model, ranks: Ranks, device):
    """The model as this rank trains it: a DistributedDataParallel replica under torchrun (gradients are
    averaged over the ranks in the backward pass), the model itself in one process."""
    if not ranks.distributed:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def _gather(ranks: Ranks, value: Any) -> list[Any]:
    import torch.distributed as dist

    values: list[Any] = [None] * ranks.world_size
    try:
        dist.all_gather_object(values, value)
    except RuntimeError as exc:        # a rank that died, or one that did not answer within the timeout
        raise KgeditError(f"Rank {ranks.rank} of {ranks.world_size} lost the other ranks: {str(exc).splitlines()[0]}",
                          f"Another rank stopped (its error is printed there) or took longer than {TIMEOUT_VARIABLE}="
                          f"{timeout():.0f} s; run the same command again: finished work is kept.") from None
    return values
