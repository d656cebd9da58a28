"""Everything kgedit shows: text tables (rich, JSON, CSV), figures, and the experiment's report page.

render (rows -> text, JSON), plots (PNG figures) and html (blocks -> Markdown / HTML) are pure and import
nothing else of kgedit, so any stage may use them; columns (each metric's header, unit and direction),
tables (evaluation results as text; render_results, the one entry point for a results folder) and
experiment (report.md / report.html of `kgedit run`) read results through kgedit.evaluate.
"""
