"""Property-based fuzzing of `kgedit query` against a real fitted world (issue 18, item 7).

Two generators: grammar-aware queries built from the grammar in kgedit.query.parser with the world's
real relation and entity names, misspelt names, random nesting and awkward numbers (inf, nan, 1e309,
-0, huge), quotes and unicode; and byte-level mutations of valid queries, decoded as argv is (UTF-8
with surrogateescape). The property: an answer has finite probabilities in [0, 1] that sum to 1
where they cover every object; anything else is a KgeditError (the query error family), never
another exception. 300 examples run by default; the fuzz-marked test runs 10,000 (both kinds, about 5 CPU-minutes:
python -m pytest -m fuzz).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgedit import db
from kgedit.errors import KgeditError
from kgedit.query.answer import MAX_TOP, run_query

SUBJECTS = 60
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                        HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A fitted synthetic world, opened read-only as `kgedit query` opens it, and its names."""
    from kgedit.bayes import fit
    from kgedit.corpus.build import generate_corpus
    from kgedit.corpus.config import CorpusConfig
    from kgedit.world.synthetic import write_synthetic_world

    path = tmp_path_factory.mktemp("fuzz") / "w.duckdb"
    con = db.connect(path)
    write_synthetic_world(con, subjects=SUBJECTS, seed=0)
    generate_corpus(con, CorpusConfig(seed=0))
    fit(con)
    con.close()
    con = db.connect(path, read_only=True)
    relations = con.execute("SELECT r.name, r.label, r.role, p.name FROM relations r "
                            "JOIN relations p ON p.relation_id = r.partner_id ORDER BY r.relation_id").fetchall()
    facts = con.execute("SELECT s.name, r.name, r.label, o.name FROM facts f JOIN relations r USING (relation_id) "
                        "JOIN entities s ON s.entity_id = f.subject_id JOIN entities o ON o.entity_id = f.object_id "
                        "ORDER BY f.source_line").fetchall()
    names = _Names(relations=[n for r in relations for n in r[:2]], partner={r[0]: r[3] for r in relations},
                   label={r[0]: r[1] for r in relations},
                   fact_rows=facts,
                   subjects=sorted({f[0] for f in facts}), objects=sorted({f[3] for f in facts}),
                   facts=[f"{s} {label} {o}" for s, _, label, o in facts],
                   valid=_valid_queries(relations, facts))
    yield con, names
    con.close()


class _Names:
    def __init__(self, **parts):
        self.__dict__.update(parts)


def _valid_queries(relations, facts) -> list[str]:
    """Queries of every form that answer on this world (the seeds of the byte-level mutations)."""
    partner = {name: partner for name, _, _, partner in relations}
    upstream = {name for name, _, role, _ in relations if role == "upstream"}
    s, rel, label, o = facts[0]
    other = next(f for f in facts if f[0] != s)
    u = next(f for f in facts if f[1] in upstream)
    # a subject with both relations of a pair: its formula needs the exact U/D joint
    d = next(f for f in facts if f[1] in upstream and (f[0], partner[f[1]]) in {(g[0], g[1]) for g in facts})
    d2 = next(f for f in facts if f[0] == d[0] and f[1] == partner[d[1]])
    return [f'P({rel} | subject="{s}")', f'P({rel}="{o}" | subject="{s}")',
            f'P({rel} | subject="{s}", "{other[2]}"="{other[3]}" @ n=1000)',
            f'P({rel} | subject="{s}", {other[1]}="{other[3]}" @ p=0.95)',
            f'P({partner[u[1]]} | {u[1]}="{u[3]}")',
            f'P("{s} {label} {o}" and not ("{other[0]} {other[2]} {other[3]}" or "{s} {label} {o}"))',
            f'P("{d[0]} {d[2]} {d[3]}" and "{d2[0]} {d2[2]} {d2[3]}")']


# --- grammar-aware generation -------------------------------------------------------------------------

NUMBERS = ["inf", "-inf", "nan", "1e309", "-1e309", "1e308", "-0", "0", "0.0", "1", "1.5", "0.95", "0.5",
           "1000", "-5", "1e-320", "99999999999999999999", "0.9999999999999999", "1e-5", ".5", "5.", "+3",
           "1e", "--1", "0x10"]


def _misspell(draw, name: str) -> str:
    if not name:
        return name
    i = draw(st.integers(0, len(name) - 1))
    how = draw(st.sampled_from(["drop", "double", "swap", "case", "char"]))
    if how == "drop":
        return name[:i] + name[i + 1:]
    if how == "double":
        return name[:i] + name[i] + name[i:]
    if how == "swap" and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if how == "case":
        return name.swapcase()
    return name[:i] + draw(st.characters()) + name[i + 1:]


def _render(draw, text: str) -> str:
    """A name as the grammar writes it: bare, double- or single-quoted (escaped), or mangled quoting."""
    style = draw(st.sampled_from(["double", "double", "double", "single", "bare", "raw"]))
    if style == "double":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style == "single":
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if style == "raw":
        return '"' + text + '"'
    return text


@st.composite
def names(draw, likely: list[str], others: list[str]) -> str:
    """Mostly a name that fits here, else another world name, random text or a number; maybe misspelt."""
    bucket = draw(st.integers(0, 19))
    if bucket < 15:
        name = draw(st.sampled_from(likely))
    elif bucket < 17:
        name = draw(st.sampled_from(others))
    elif bucket < 19:
        name = draw(st.text(max_size=12))
    else:
        name = draw(st.sampled_from(NUMBERS))
    if draw(st.integers(0, 5)) == 0:
        name = _misspell(draw, name)
    return _render(draw, name)


EDGE_NUMBERS = ["1e309", "-1e309", "1e308", "nan", "inf", "-0", "0.95", "1000"]


@st.composite
def numbers(draw) -> str:
    return draw(st.sampled_from(EDGE_NUMBERS) | st.sampled_from(NUMBERS) | st.floats().map(repr)
                | st.integers().map(str) | st.floats(0, 1).map(repr) | st.floats(1, 1e6).map(repr))


@st.composite
def beliefs(draw, w: _Names) -> str:
    """The belief forms of the grammar, mostly with names that fit one another, sometimes not."""
    s, rel, label, o = draw(st.sampled_from(w.fact_rows))
    _, rel2, label2, o2 = draw(st.sampled_from(w.fact_rows))
    everyone = w.subjects + w.objects      # a subject's name as a value is the classic mistake
    relation = draw(names([rel, label], w.relations))
    form = draw(st.sampled_from(["distribution", "probability", "edit", "conditional", "extra"]))
    if form == "conditional":
        return f"P({draw(names([w.partner[rel2]], w.relations))} | {draw(names([rel2, label2], w.relations))}=" \
               f"{draw(names([o2], everyone))})"
    obj = "=" + draw(names([o], everyone)) if form == "probability" or draw(st.integers(0, 4)) == 0 else ""
    conditions = ["subject=" + draw(names([s], everyone))] if form != "extra" or draw(st.booleans()) else []
    if form in ("edit", "extra"):
        for _ in range(1 if form == "edit" else draw(st.integers(0, 3))):
            conditions.append(draw(names([rel2, label2], w.relations)) + "=" + draw(names([o2], everyone)))
    weight = ""
    if form == "edit" or (form == "extra" and draw(st.booleans())):
        kind = draw(st.sampled_from(["n", "p"]) | st.sampled_from(["N", "P", "q", "n ", ""]))
        weight = f" @ {kind}={draw(numbers())}"
    return f"P({relation}{obj}" + (" | " + ", ".join(conditions) + weight if conditions or weight else "") + ")"


@st.composite
def formulas(draw, w: _Names) -> str:
    atom = st.sampled_from(w.facts) | st.builds(lambda s, r, o: f"{s} {r} {o}", st.sampled_from(w.subjects),
                                                st.sampled_from(w.relations), st.sampled_from(w.objects + w.subjects))
    # one subject's upstream and downstream facts together: the exact-joint path of the answer
    pair = st.builds(lambda f, o, op: f'{_quote(" ".join((f[0], f[2], f[3])))}{op}'
                                      f'{_quote(" ".join((f[0], w.label[w.partner[f[1]]], o)))}',
                     st.sampled_from(w.fact_rows), st.sampled_from(w.objects + w.subjects),
                     st.sampled_from([" and ", " or ", " and not "]))
    leaf = (atom | atom | st.text(max_size=10)).map(_quote) | pair
    tree = st.recursive(leaf, lambda inner: st.one_of(
        inner.map(lambda f: f"not {f}"), inner.map(lambda f: f"({f})"),
        st.tuples(inner, st.sampled_from([" and ", " or ", " AND ", " Or ", " "]), inner).map("".join)),
        max_leaves=draw(st.integers(1, 14)))
    body = draw(tree)
    depth = draw(st.sampled_from([0, 0, 0, 0, 3, 99, 100, 101, 400, 1000]))   # around and past the limit
    opener = draw(st.sampled_from(["not ", "(", "not ("]))
    closer = ")" * opener.count("(") * depth
    return "P(" + opener * depth + body + closer + ")"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def grammar_queries(draw, w: _Names) -> str:
    return draw(st.one_of(beliefs(w), formulas(w)))


# --- byte-level mutations -----------------------------------------------------------------------------

@st.composite
def mutated_queries(draw, w: _Names) -> str:
    data = bytearray(draw(st.sampled_from(w.valid)).encode())
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 2, 3, 6]))):
        i = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        if how == "insert" or not data:
            data[i:i] = draw(st.sampled_from([b"(", b")", b'"', b"'", b"\\", b"|", b",", b"=", b"@", b" not ",
                                              b" and ", b"e309", b"0", b"-", b" "]) | st.binary(min_size=1, max_size=3))
        elif how == "delete":
            del data[min(i, len(data) - 1):min(i, len(data) - 1) + draw(st.integers(1, 4))]
        elif how == "replace":
            data[min(i, len(data) - 1)] = draw(st.integers(32, 126) | st.integers(0, 255))
        else:
            j = draw(st.integers(0, len(data)))
            data[i:i] = data[min(i, j):max(i, j)][:200]
    return bytes(data).decode("utf-8", "surrogateescape")   # what argv holds for undecodable bytes


# --- the property -------------------------------------------------------------------------------------

def _answer_is_sane_or_a_query_error(con, text: str, top: int) -> None:
    try:
        plan, columns, rows = run_query(con, text, top=top)
    except KgeditError as exc:
        assert isinstance(exc.message, str) and exc.message
        return
    for name in ("probability", "pre_edit"):
        if name not in columns:
            continue
        values = [row[columns.index(name)] for row in rows]
        assert all(isinstance(v, float) and math.isfinite(v) and -1e-9 <= v <= 1 + 1e-9 for v in values), \
            (text, rows)
        listed_all = top == MAX_TOP and "object" in columns and len(rows) > 1
        if listed_all and plan.kind in ("distribution", "conditional"):
            assert math.fsum(values) == pytest.approx(1.0, abs=1e-9), (text, name)
    if "edit_weight" in columns:
        assert all(math.isfinite(row[columns.index("edit_weight")]) for row in rows)


TOPS = st.sampled_from([1, 3, MAX_TOP])


def _fuzz(queries, examples: int):
    """A test answering `examples` queries drawn from `queries(names)`, each with a random --top."""
    @settings(FUZZ, max_examples=examples)
    @given(data=st.data())
    def test(world, data):
        con, w = world
        _answer_is_sane_or_a_query_error(con, data.draw(queries(w)), data.draw(TOPS))
    return test


test_grammar_aware_queries_answer_sanely_or_raise_query_errors = _fuzz(grammar_queries, 100)
test_byte_mutated_queries_answer_sanely_or_raise_query_errors = _fuzz(mutated_queries, 200)
test_ten_thousand_queries_of_both_kinds = pytest.mark.fuzz(pytest.mark.slow(
    _fuzz(lambda w: st.one_of(grammar_queries(w), mutated_queries(w)), 10_000)))


def test_seed_queries_answer(world):
    """The mutation seeds are valid: the byte-level fuzz starts from answers, not from errors."""
    con, w = world
    for text in w.valid:
        plan, columns, rows = run_query(con, text, top=MAX_TOP)
        assert rows, text
        _answer_is_sane_or_a_query_error(con, text, MAX_TOP)
