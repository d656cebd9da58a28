"""Packing: `[BOS] doc [EOS]` for every document, concatenated in a seeded per-epoch order and cut
into fixed-length blocks (the remainder of an epoch is dropped). No padding is ever trained on.

A block may span a document boundary; the BOS/EOS pair marks it, as in GPT-style packing. The data
position is a pure function of (seed, block index), so a resumed run continues exactly where the
interrupted one stopped without storing any iterator state.
"""

from __future__ import annotations

import numpy as np


class PackedStream:
    """Fixed-length training blocks over the tokenised documents, epoch after epoch."""

    def __init__(self, docs: list[list[int]], bos_id: int, eos_id: int, block_size: int, seed: int) -> None:
        lengths = np.array([len(d) + 2 for d in docs], dtype=np.int64)
        flat = np.empty(int(lengths.sum()), dtype=np.int32)
        self.offsets = np.concatenate([[0], np.cumsum(lengths)])
        for d, start in zip(docs, self.offsets[:-1]):
            flat[start] = bos_id
            flat[start + 1:start + 1 + len(d)] = d
            flat[start + 1 + len(d)] = eos_id
        self.flat, self.lengths = flat, lengths
        self.block_size, self.seed = block_size, seed
        self.blocks_per_epoch = len(flat) // block_size
        self._epoch, self._epoch_blocks = -1, np.empty((0, block_size), dtype=np.int32)

    @property
    def tokens_per_epoch(self) -> int:
        return self.blocks_per_epoch * self.block_size

    def _epoch_array(self, epoch: int) -> np.ndarray:
        if epoch != self._epoch:
            order = np.random.default_rng([self.seed, epoch]).permutation(len(self.lengths))
            lengths = self.lengths[order]
            # Gather index of every token of the shuffled stream, without a Python loop over documents.
            shift = np.repeat(self.offsets[:-1][order] - (np.cumsum(lengths) - lengths), lengths)
            stream = self.flat[shift + np.arange(len(shift))]
            self._epoch_blocks = stream[: self.tokens_per_epoch].reshape(-1, self.block_size)
            self._epoch = epoch
        return self._epoch_blocks

    def blocks(self, start: int, count: int) -> np.ndarray:
        """[count, block_size] int64: global blocks start .. start+count-1 (crossing epochs as needed)."""
        out = np.empty((count, self.block_size), dtype=np.int64)
        for i in range(count):
            epoch, within = divmod(start + i, self.blocks_per_epoch)
            out[i] = self._epoch_array(epoch)[within]
        return out
