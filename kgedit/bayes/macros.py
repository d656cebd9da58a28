"""Table macros for ad-hoc SQL, built from the same posterior SQL the library uses.

They are stored in the database by fit(), so `kgedit sql` (read-only) can call them:
  SELECT * FROM beliefs('Arthur Green') ORDER BY probability DESC LIMIT 5
  SELECT * FROM conditionals('Yale') ORDER BY probability DESC LIMIT 5
"""

from __future__ import annotations

from kgedit import db

VIEWS = ("subject_beliefs", "population_conditionals")

SQL_DOCS = """\
### Exploring the rational agent with SQL

`kgedit bayes fit` stores, besides the bayes_* tables, two views and two table macros
(the database stays read-only for `kgedit sql`):

* `subject_beliefs` — direct beliefs p(o | s, r) for every object the evidence names
  (`unlisted_probability` is the belief in each of the other objects);
* `population_conditionals` — shared conditionals p(o_d | D, U=u) with data;
* `beliefs(subject_name)` — the target belief (marginal where it applies) over all K objects
  for every relation the subject has evidence for;
* `conditionals(upstream_value_name)` — p(o_d | D, U=u) over all K objects for every pair.

```
kgedit sql "SELECT * FROM beliefs('Arthur Green') ORDER BY probability DESC LIMIT 5"
kgedit sql "SELECT relation, object, probability FROM subject_beliefs WHERE subject = 'Arthur Green'"
kgedit sql "SELECT * FROM conditionals('Yale University') ORDER BY probability DESC LIMIT 5"
kgedit sql "SELECT downstream_relation, object, probability, n_subjects FROM population_conditionals WHERE upstream_value = 'Yale University' ORDER BY probability DESC LIMIT 5"
```
"""

SQL_EXAMPLES = [line.removeprefix('kgedit sql "').removesuffix('"')
                for line in SQL_DOCS.splitlines() if line.startswith("kgedit sql ")]
MACROS = ("beliefs", "conditionals")

# Every relation the subject has evidence for (or whose upstream it has), every one of the K objects.
_BELIEF_INPUTS = """
scenario_input AS (SELECT 0::BIGINT AS scenario_id, NULL::VARCHAR AS subject_id, NULL::VARCHAR AS relation_id,
                          NULL::VARCHAR AS object_id, 0.0::DOUBLE AS weight WHERE FALSE),
probe_subject AS (SELECT entity_id FROM entities WHERE name = subject_name),
probe_relation AS (
    SELECT DISTINCT r.relation_id FROM relations r JOIN bayes_totals t
      ON t.relation_id = r.relation_id OR (r.role = 'downstream' AND t.relation_id = r.partner_id)
    WHERE t.subject_id = (SELECT entity_id FROM probe_subject)),
probe_input AS (
    SELECT row_number() OVER (ORDER BY pr.relation_id, o.object_idx) AS probe_id, 0::BIGINT AS scenario_id,
           (SELECT entity_id FROM probe_subject) AS subject_id, pr.relation_id, o.object_id
    FROM probe_relation pr CROSS JOIN objects o),
"""

_BELIEFS_SELECT = """
SELECT r.name AS relation, e.name AS object, b.probability, b.belief
FROM posterior b
JOIN probe_input p USING (probe_id)
JOIN relations r USING (relation_id)
JOIN entities e ON e.entity_id = p.object_id
"""

_CONDITIONALS = """
CREATE MACRO conditionals(upstream_value_name) AS TABLE
SELECT ru.name AS upstream_relation, rd.name AS downstream_relation, e.name AS object,
       (i.alpha + coalesce(t.uniform, 0) + coalesce(c.count, 0)) / (i.prior_mass + coalesce(t.total, 0))
         AS probability
FROM bayes_pairs p
JOIN relations ru ON ru.relation_id = p.upstream_id
JOIN relations rd ON rd.relation_id = p.downstream_id
CROSS JOIN bayes_info i
CROSS JOIN objects o
JOIN entities e ON e.entity_id = o.object_id
LEFT JOIN bayes_conditional_totals t ON t.pair_id = p.pair_id
     AND t.upstream_value = (SELECT entity_id FROM entities WHERE name = upstream_value_name)
LEFT JOIN bayes_conditionals c ON c.pair_id = p.pair_id AND c.upstream_value = t.upstream_value
     AND c.object_id = o.object_id
WHERE EXISTS (SELECT 1 FROM entities WHERE name = upstream_value_name)
"""


def macro_statements() -> list[str]:
    beliefs = ("CREATE MACRO beliefs(subject_name) AS TABLE WITH " + _BELIEF_INPUTS
               + db.load_sql("bayes_posterior") + _BELIEFS_SELECT)
    return [beliefs, _CONDITIONALS]
