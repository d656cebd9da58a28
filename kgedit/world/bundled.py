"""The Wikidata slice shipped with kgedit (data/wikidata/, see its PROVENANCE.md).

In a checkout it is the top-level data/wikidata/; in an installed wheel it is mapped into the
package as kgedit/data/wikidata/ (pyproject.toml), so both find the same files.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kgedit.errors import KgeditError

FILES = {"triples": "triples.tsv.gz", "entities": "entities.tsv.gz", "relations": "relations.tsv.gz"}
PROVENANCE = "PROVENANCE.md"


@cache
def bundled_dir() -> Path:
    """The folder holding the bundled slice (wheel layout first, then the checkout's)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "data" / "wikidata", package.parent / "data" / "wikidata"):
        if (candidate / FILES["triples"]).is_file():
            return candidate
    raise KgeditError("kgedit's bundled Wikidata slice is missing.",
                      "Reinstall kgedit, or build from your own files with --source wikidata5m.")


def bundled_files() -> dict[str, Path]:
    """Paths of the bundled triples, entities and relations files."""
    folder = bundled_dir()
    return {role: folder / name for role, name in FILES.items()}
