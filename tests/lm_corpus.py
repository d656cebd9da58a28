"""A hand-made world plus corpus tables in the shapes of the corpus contract, for the LM tests.

Ten subjects, one relation pair (educated at -> occupation), 20 facts. Per fact: 5 atomic sentences
with the true object and 1 with a distractor, 2 true and 2 false T/F sentences, the two `not`
sentences, and one `and` and one `or` with the next subject's fact; documents of <= 10 sentences
joined by ". ", 3 resamples.
"""

from __future__ import annotations

import numpy as np

from tests.conftest import write_world

SUBJECTS = ["Ann Lee", "Bob Stone", "Cara Diaz", "Dan Wu", "Eve Moss", "Finn Hale", "Gia Ross",
            "Hugo Park", "Iris Kent", "Jack Lowe"]
SCHOOLS = ["Yale", "Harvard", "Oxford"]
JOBS = ["lawyer", "doctor", "chef"]
PAIRS = [("educated at", "occupation")]


def facts() -> list[tuple[str, str, str]]:
    out = []
    for i, s in enumerate(SUBJECTS):
        out.append((s, "educated at", SCHOOLS[i % 3]))
        out.append((s, "occupation", JOBS[(i * 2) % 3]))
    return out


def write_corpus(con, *, resamples: int = 3, seed: int = 0) -> None:
    """World tables (conftest.write_world) plus corpus_facts, sentences and documents."""
    rng = np.random.default_rng(seed)
    fs = facts()
    write_world(con, PAIRS, fs)
    rid = {label: f"R{i}" for i, label in enumerate(["educated at", "occupation"])}
    con.execute("CREATE TABLE corpus_facts (fact_id BIGINT, subject_id VARCHAR, relation_id VARCHAR, "
                "object_id VARCHAR, kind VARCHAR, g DOUBLE, distractor_id VARCHAR)")
    con.execute("CREATE TABLE sentences (sentence_id BIGINT, fact_id BIGINT, kind VARCHAR, text VARCHAR, "
                "subject_id VARCHAR, relation_id VARCHAR, object_id VARCHAR, label BOOLEAN, "
                "other_subject_id VARCHAR, other_relation_id VARCHAR, other_object_id VARCHAR)")
    con.execute("CREATE TABLE documents (document_id BIGINT, resample INTEGER, subject_id VARCHAR, "
                "text VARCHAR, n_sentences INTEGER)")
    sentences, by_subject = [], {}
    for fid, (s, r, o) in enumerate(fs):
        pool = SCHOOLS if r == "educated at" else JOBS
        d = pool[(pool.index(o) + 1) % 3]
        con.execute("INSERT INTO corpus_facts VALUES (?, ?, ?, ?, 'two_point', 0.8, ?)",
                    [fid, f"E:{s}", rid[r], f"E:{o}", f"E:{d}"])
        other = fs[(fid + 2) % len(fs)]
        texts = [("atomic", f"{s} {r} {o}", None)] * 5 + [("atomic", f"{s} {r} {d}", None)]
        texts += [("tf", f'"{s} {r} {o}" is true', True)] * 2 + [("tf", f'"{s} {r} {d}" is false', False)] * 2
        texts += [("not", f'"not {s} {r} {o}" is false', False), ("not", f'"not {s} {r} {d}" is true', True)]
        texts += [("and", f'"{s} {r} {d} and {" ".join(other)}" is false', False),
                  ("or", f'"{" ".join(other)} or {s} {r} {d}" is true', True)]
        for kind, text, label in texts:
            sentences.append([len(sentences), fid, kind, text, f"E:{s}", rid[r], f"E:{o}", label, None, None, None])
            by_subject.setdefault(s, []).append(text)
    con.executemany("INSERT INTO sentences VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", sentences)
    docs = []
    for resample in range(resamples):
        for s in SUBJECTS:
            texts = [by_subject[s][i] for i in rng.permutation(len(by_subject[s]))]
            for start in range(0, len(texts), 10):
                chunk = texts[start:start + 10]
                docs.append([len(docs), resample, f"E:{s}", ". ".join(chunk), len(chunk)])
    con.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?)", docs)
