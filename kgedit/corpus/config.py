"""The corpus stage's config: each setting's default, help text and check (kept apart from build.py, so
the command line reads them without numpy)."""

from __future__ import annotations

from dataclasses import dataclass

from kgedit import checks
from kgedit.settings import setting

DEFAULT_FACTS = 100_000
# Upper bounds that keep a typo from asking for a corpus no machine holds (every resample copies
# every document; the paper uses 5 resamples and 10 sentences per document).
MAX_DOC_RESAMPLES = 100
MAX_SENTENCES_PER_DOC = 1000


@dataclass(frozen=True)
class CorpusConfig:
    """Parameters of one corpus. facts=None: DEFAULT_FACTS, or every fact of a smaller world."""

    facts: int | None = setting(None, help=f"Base facts to write about (default: {DEFAULT_FACTS}, or every fact of "
                                           "a smaller world). More than the world has is an error.")
    seed: int = setting(0, help="Seed of the corpus stage's random generator.")
    doc_resamples: int = setting(5, help="Shuffled copies of each subject's sentences.")
    max_sentences_per_doc: int = setting(10, help="Sentences per document, at most.")
    min_true_prob: float = setting(0.6, help="Floor on the modal probability (0.5 < p < 1).")

    def check(self, name: checks.Namer = checks.option_name) -> None:
        if self.facts is not None:
            checks.integer(name("facts"), self.facts, low=1,
                           hint=f"Leave it out to use every fact (up to {DEFAULT_FACTS:,}).")
        checks.seed(name("seed"), self.seed)
        checks.integer(name("doc_resamples"), self.doc_resamples, low=1, high=MAX_DOC_RESAMPLES,
                       hint="The paper uses 5.")
        checks.integer(name("max_sentences_per_doc"), self.max_sentences_per_doc, low=1,
                       high=MAX_SENTENCES_PER_DOC, hint="The paper uses 10.")
        checks.finite(name("min_true_prob"), self.min_true_prob, low=0.5, high=1.0, low_open=True, high_open=True,
                      hint="The paper uses 0.6.")
