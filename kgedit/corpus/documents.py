"""Documents: each subject's sentences shuffled and cut into runs of at most N, per resample.

Pure arrow/numpy. A document's text is its sentences joined by ". " and ended with "." so that every
sentence, the last included, is followed by the same boundary (the LM learns `{s} {r} {o}.`; BOS
and EOS are added by the tokenizer). Documents are numbered resample by resample, within a resample
by the subject's corpus order, then by position.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SENTENCE_SEPARATOR = ". "
DOCUMENT_END = "."


def cut_documents(subject_rank: np.ndarray, key: np.ndarray, max_sentences: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Sentence order and document offsets for one resample.

    subject_rank: per sentence, its subject's corpus rank; key: per sentence, a random sort key.
    Returns (order, offsets): sentences order[offsets[d]:offsets[d+1]] form document d.
    """
    order = np.lexsort((key, subject_rank))
    ranks = subject_rank[order]
    new_subject = np.r_[True, ranks[1:] != ranks[:-1]] if len(ranks) else np.zeros(0, bool)
    group_start = np.maximum.accumulate(np.where(new_subject, np.arange(len(ranks)), 0))
    position = np.arange(len(ranks)) - group_start
    starts = np.flatnonzero(position % max_sentences == 0)
    return order, np.r_[starts, len(ranks)].astype(np.int64)


def build_documents(rng: np.random.Generator, texts: pa.Array, subject_rank: np.ndarray,
                    resamples: int, max_sentences: int) -> pa.Table:
    """All documents of all resamples: document_id, resample, subject_rank, text, n_sentences."""
    texts = texts.cast(pa.large_string())
    parts = []
    first_id = 0
    for resample in range(resamples):  # one loop step per corpus copy, vectorised within
        order, offsets = cut_documents(subject_rank, rng.random(len(subject_rank)), max_sentences)
        taken = pc.take(texts, pa.array(order))
        joined = pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets), taken),
                                pa.scalar(SENTENCE_SEPARATOR, pa.large_string()))
        n_docs = len(offsets) - 1
        parts.append(pa.table({
            "document_id": pa.array(np.arange(first_id, first_id + n_docs, dtype=np.int64)),
            "resample": pa.array(np.full(n_docs, resample, np.int32)),
            "subject_rank": pa.array(subject_rank[order[offsets[:-1]]].astype(np.int64)),
            "text": pc.binary_join_element_wise(joined, pa.scalar(DOCUMENT_END, pa.large_string()),
                                                    pa.scalar("", pa.large_string())),
            "n_sentences": pa.array(np.diff(offsets).astype(np.int32)),
        }))
        first_id += n_docs
    if not parts:
        return pa.table({"document_id": pa.array([], pa.int64()), "resample": pa.array([], pa.int32()),
                         "subject_rank": pa.array([], pa.int64()), "text": pa.array([], pa.large_string()),
                         "n_sentences": pa.array([], pa.int32())})
    return pa.concat_tables(parts)
