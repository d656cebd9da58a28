"""kgedit: a formal world from Wikidata, an exact Bayesian rational agent, and a model-editing evaluator.

The library never prints; the command line (cli/) renders what it returns.
"""

__version__ = "0.1.0"
