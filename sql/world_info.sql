-- world_info.sql: the relations of a world with their pair, partner and fact counts (kgedit world info).
-- Parameters: none. Columns: pair_id, relation_id, label, name, role, partner_id, partner_label,
-- choice_rank, n_facts (facts of this relation), n_with_upstream (downstream facts whose subject
-- also has the upstream relation; NULL for upstream relations).
SELECT r.pair_id, r.relation_id, r.label, r.name, r.role, r.partner_id, p.label AS partner_label,
       r.choice_rank,
       (SELECT count(*) FROM facts f WHERE f.relation_id = r.relation_id) AS n_facts,
       CASE WHEN r.role = 'downstream' THEN
           (SELECT count(*) FROM facts f JOIN facts u
               ON u.subject_id = f.subject_id AND u.relation_id = r.partner_id
            WHERE f.relation_id = r.relation_id)
       END AS n_with_upstream
FROM relations r JOIN relations p ON p.relation_id = r.partner_id
ORDER BY r.pair_id, r.role DESC;
