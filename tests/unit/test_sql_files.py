"""sql/: every file opens with a header naming it, and its includes resolve into one statement text."""

from __future__ import annotations

import re

from kgedit import db

FILES = sorted(db.sql_dir().glob("*.sql"))


def test_every_sql_file_has_a_header_naming_it():
    assert len(FILES) > 50
    for path in FILES:
        assert path.read_text(encoding="utf-8").startswith(f"-- {path.name}: "), path.name


def test_includes_are_replaced_by_the_text_of_the_included_file():
    for path in FILES:
        assert not re.search(r"^-- include:", db.load_sql(path.stem), re.M), path.name
    posterior = db.load_sql("bayes_posterior").rstrip("\n")
    for name in ("bayes_beliefs", "bayes_base_beliefs", "bayes_edit_targets", "query_distribution", "query_atoms",
                 "views_bayes"):
        assert posterior in db.load_sql(name), name
    assert db.load_sql("bayes_edit_targets").count(db.load_sql("bayes_edit_weight").rstrip("\n")) == 2
