"""`kgedit run`: one experiment file (TOML) drives every stage, skipping those whose inputs did not change."""
