"""World stage: Wikidata5m import, the synthetic source, relation choice and pairing (SPEC §1)."""
