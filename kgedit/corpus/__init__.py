"""The corpus stage (SPEC §2–3): the generative model p(o | s, r, upstream), noisy and logical
sentences, documents, and the evidence each sentence gives the Bayesian model.

Public API (import from the modules; this package imports nothing so `import kgedit.corpus` stays cheap):
  kgedit.corpus.build.generate_corpus(con, CorpusConfig(...), overwrite=False, progress=None) -> row counts,
    with kgedit.corpus.config.CorpusConfig (each setting's default, help text and check)
  kgedit.corpus.export.export_documents(con, out, 'jsonl'|'parquet'|'txt', overwrite=False) -> n documents
  kgedit.corpus.stats.corpus_stats(con) -> (columns, rows) of the paper's Table 6
Tables (sql/corpus.sql): corpus_facts, gen_conditionals, gen_distributions (view), sentences,
documents, evidence, corpus_info.
"""
