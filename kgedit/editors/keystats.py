"""The key second moment C = E[k kᵀ] of an MLP output projection, estimated on the world's own corpus (rome, memit).

A key k is the input of layer l's MLP output projection (kgedit.lm.families.mlp_out; dim = intermediate
size) at one token.
C is averaged over every real token of `[BOS] doc [EOS]` for a fixed sample of the corpus documents:
a seeded permutation of the document ids, taken in that order until the token budget is spent (the
last document is cut at the budget). Accumulated in float64: with ~1e5 tokens a float32 running sum
loses the small eigen-directions the rank-one update divides by.

C depends on the sampled tokens and on every weight that shapes the keys at layer l (the embedding,
layers < l, and layer l up to its output projection: an edit of that projection leaves C valid). The cache
key hashes exactly those, so a changed corpus, tokenizer or model never reuses a stale C. When the
model came from a checkpoint directory (name_or_path), C is stored there under kgedit_stats/ and read
back on the next run; otherwise the caller keeps it in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from kgedit import db
from kgedit.lm import families
from kgedit.lm.scoring import length_batches, model_device, teacher_forced_batch
from kgedit.lm.tokenizer import encode

STATS_DIR = "kgedit_stats"
_FETCH = 512                 # document ids per query while drawing the sample
_BATCH_TOKENS = 16_384       # padded tokens per forward pass while accumulating C


@dataclass(frozen=True)
class DocumentSample:
    """Token ids (no BOS/EOS) of the sampled documents, in sample order, and their texts."""
    docs: list[list[int]]
    texts: list[str]

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for d in self.docs:
            h.update(np.asarray(d, dtype=np.int64).tobytes())
            h.update(b"|")
        return h.hexdigest()


def sample_documents(world_db: Path, tok, tokens: int, seed: int = 0) -> DocumentSample:
    """A seeded sample of the world's documents holding `tokens` tokens counted with BOS and EOS."""
    con = db.connect(world_db, read_only=True)
    try:
        db.require_tables(con, ["documents"], "corpus", f"kgedit corpus generate --db {world_db}")
        ids = np.array([r[0] for r in db.fetch(con, db.load_sql("editor_key_document_ids"))[1]], dtype=np.int64)
        order = ids[np.random.default_rng(seed).permutation(len(ids))]
        docs: list[list[int]] = []
        texts: list[str] = []
        total = 0
        for start in range(0, len(order), _FETCH):
            chunk = order[start:start + _FETCH]
            rows = dict(db.fetch(con, db.load_sql("editor_key_documents"), {"ids": chunk.tolist()})[1])
            chunk_texts = [rows[int(i)] for i in chunk]          # back into the sample's order
            for text, ids_ in zip(chunk_texts, encode(tok, chunk_texts)):
                room = tokens - total - 2
                if room <= 0:
                    return DocumentSample(docs, texts)
                docs.append(ids_[:room])
                texts.append(text)
                total += len(docs[-1]) + 2
    finally:
        con.close()
    return DocumentSample(docs, texts)


def key_size(model, layer: int) -> int:
    return families.projection_dims(families.mlp_out(model, layer))[0]


def parameters_digest(model, keep: Callable[[str], bool] = lambda name: True) -> str:
    """Hash of the names, shapes, dtypes and bytes of the model's parameters whose name `keep` accepts."""
    h = hashlib.sha256()
    for name, t in model.named_parameters():
        if keep(name):
            h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
            h.update(t.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _weights_digest(model, layer: int) -> str:
    """Hash of every parameter the keys at `layer` depend on: the layers before it, layer `layer` but its
    MLP output projection, and what comes before the layers (embeddings), not the final norm or the head."""
    layers, out = families.decoder_layers(model), families.mlp_out(model, layer)
    skip = {id(p) for m in (*layers[layer + 1:], out, families.final_norm(model), model.get_output_embeddings())
            for p in m.parameters()} - {id(p) for p in families.embedding(model).parameters()}   # a tied head
    params = dict(model.named_parameters())
    return parameters_digest(model, lambda name: id(params[name]) not in skip)


def cache_key(model, layer: int, sample: DocumentSample, tokens: int) -> str:
    fingerprint = hashlib.sha256(f"{sample.digest}:{_weights_digest(model, layer)}".encode()).hexdigest()[:20]
    return f"down_proj_layer{layer}_tokens{tokens}_{fingerprint}"


def cache_dir(model) -> Path | None:
    """<checkpoint>/kgedit_stats when the model was loaded from a directory, else None (memory only)."""
    path = getattr(model, "name_or_path", "") or getattr(model.config, "_name_or_path", "")
    return Path(path) / STATS_DIR if path and Path(path).is_dir() else None


@torch.no_grad()
def second_moments(model, tok, sample: DocumentSample, layers: Sequence[int]) -> dict[int, torch.Tensor]:
    """{layer: C [in, in] float64 on the CPU} in one pass over the sample (all layers hooked at once)."""
    device = model_device(model)
    limit = int(getattr(model.config, "max_position_embeddings", 2048))
    seqs = [[tok.bos_token_id, *d, tok.eos_token_id][:limit] for d in sample.docs]
    sums = {l: torch.zeros((key_size(model, l),) * 2, dtype=torch.float64, device=device)
            for l in layers}
    count = 0
    mask_now: list[torch.Tensor] = []

    def hook_for(l: int):
        def hook(_module, args):
            mask = mask_now[0]
            keys = families.per_row(args[0], len(mask))[mask].double()          # [n_real_tokens, in]
            sums[l].addmm_(keys.T, keys)
        return hook

    handles = [families.mlp_out(model, l).register_forward_pre_hook(hook_for(l)) for l in layers]
    was_training = model.training
    model.eval()
    try:
        width = max((len(s) for s in seqs), default=1)
        for idx in length_batches([len(s) for s in seqs], max(1, _BATCH_TOKENS // width)):
            ids, mask, _ = teacher_forced_batch([seqs[i] for i in idx], [0] * len(idx), tok.pad_token_id)
            ids, mask = ids.to(device), mask.to(device)
            mask_now[:] = [mask.bool()]
            model(input_ids=ids, attention_mask=mask)
            count += int(mask.sum())
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return {l: (s / max(count, 1)).cpu() for l, s in sums.items()}


def load_cached(model, key: str, size: int) -> torch.Tensor | None:
    """The cached C [size, size], or None when there is none or the file is damaged (then it is
    recomputed and rewritten: the cache is an optimisation)."""
    folder = cache_dir(model)
    path = folder / f"{key}.safetensors" if folder else None
    if path is None or not path.is_file():
        return None
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        c = load_file(str(path)).get("C")
        c = None if c is None else c.clone()   # a copy, not a view of a file that may change on disk
    except (SafetensorError, OSError):
        return None
    ok = c is not None and c.shape == (size, size) and c.dtype == torch.float64 and bool(torch.isfinite(c).all())
    return c if ok else None


def store(model, key: str, c: torch.Tensor) -> Path | None:
    """Write C beside the checkpoint atomically (tmp file + rename); None when there is no checkpoint
    directory or it is not writable — the cache is an optimisation, the edit does not depend on it."""
    folder = cache_dir(model)
    if folder is None:
        return None
    from safetensors.torch import save_file

    path = folder / f"{key}.safetensors"
    tmp = folder / f".{key}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        folder.mkdir(exist_ok=True)
        save_file({"C": c.contiguous()}, str(tmp))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return None
    return path


def key_second_moments(model, tok, sample: DocumentSample, layers: Sequence[int], tokens: int,
                       memory: dict[str, torch.Tensor]) -> dict[int, torch.Tensor]:
    """C for each layer: from `memory`, else the checkpoint's cache, else computed (then stored in both)."""
    keys = {l: cache_key(model, l, sample, tokens) for l in layers}
    for l, key in keys.items():
        if key not in memory and (c := load_cached(model, key, key_size(model, l))) is not None:
            memory[key] = c
    missing = [l for l, key in keys.items() if key not in memory]
    if missing:
        for l, c in second_moments(model, tok, sample, missing).items():
            memory[keys[l]] = c
            store(model, keys[l], c)
    return {l: memory[key] for l, key in keys.items()}
