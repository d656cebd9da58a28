-- bayes_evidence_unknown_objects.sql: evidence rows whose object is not in objects (a fit refuses them).
-- Parameters: none. Column: count.
SELECT count(*) FROM evidence e LEFT JOIN objects o USING (object_id) WHERE o.object_id IS NULL
