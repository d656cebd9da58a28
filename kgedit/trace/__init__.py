"""Causal tracing (ROME §2): where the model stores each fact, and the edit site it gives rome and memit."""
