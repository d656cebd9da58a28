"""Readable, unique, type-consistent names for the synthetic world (pure, vectorised with numpy).

Every generator maps an index array to names; indices beyond the plain combinations get a
qualifier (a middle initial, a compass word) so names stay unique at any size.
"""

from __future__ import annotations

import numpy as np

FIRST = ("Arthur Alice Bernard Beatrice Cecil Clara Daniel Dora Edward Edith Felix Flora George Grace Henry "
         "Helen Isaac Iris James Julia Kenneth Kate Leonard Lucy Martin Mabel Nathan Nora Oliver Olive Peter "
         "Phoebe Quentin Rosa Robert Ruth Samuel Sarah Thomas Tessa Victor Vera Walter Wendy Albert Agnes Hugo "
         "Ivy Lionel Lydia Miles Maud Owen Pearl Rupert Stella Simon Violet Ralph Hazel").split()
LAST = ("Green Ashby Baker Barlow Carter Chandler Dawson Ellis Fairfax Fletcher Gardner Hale Harper Hughes "
        "Irving Jarvis Keating Lambert Lowell Marsh Mercer Nash Norris Oakley Palmer Pryce Quinn Radley Reeve "
        "Sawyer Shaw Sutton Talbot Turner Underwood Vance Walsh Webb Whitlock Yardley Abbott Bramwell Crane "
        "Dunmore Everett Finch Gough Hollis Kemp Lister Moss Penrose Rowe Sterling Thorne Upton Wade Wren "
        "Blake Cole").split()
TOWN_HEAD = ("Mar Ash King Oak Bright Stone Wick Elm Thorn Cold Fair Green Hol Lang Red White Black North "
             "South West East Mill Bram Chel Dun Fern Glen Hart Lock Moor Pen Ros Sil Stan Tam Wel Wood Bex "
             "Cran Her").split()
TOWN_TAIL = ("low ford bridge ton field wick bury ham stead mouth haven dale combe worth minster port cliff "
             "holt leigh mere borough by chester well wood brook gate ley moor ing").split()
COUNTRIES = ("Aldoria Belmark Corvenia Dravonia Estmere Faroland Galvany Hestria Ilvania Jorvale Kestrel "
             "Lunaria Mordavia Norvia Ostrelia Pellavia Quarnia Rovenia Selmark Tavoria Ulmeria Valdora "
             "Westmark Xandria Yselle Zarovia Brenland Caldera Dunmark Elvaria").split()
OCCUPATIONS = ("architect lawyer physician engineer teacher journalist painter composer novelist actor singer "
               "economist chemist physicist mathematician historian philosopher politician diplomat banker "
               "nurse pharmacist surgeon botanist geologist astronomer sculptor photographer poet playwright "
               "librarian accountant pilot farmer carpenter chef biologist linguist archaeologist").split()
OCCUPATIONS.append("film director")
POSITIONS = ("goalkeeper|defender|midfielder|forward|striker|point guard|centre|pitcher|catcher|quarterback|"
             "wing|fly-half|prop|libero").split("|")
SPORTS = ("association football|basketball|baseball|ice hockey|rugby union|volleyball|tennis|cricket|"
          "handball|field hockey").split("|")
TIME_ZONES = tuple(f"UTC{h:+03d}:00" for h in range(-6, 7))
VENUE_TYPES = ("stadium", "arena", "park", "museum", "concert hall", "library", "theatre", "bridge")
UNIVERSITY_FORMS = ("University of {}", "{} Institute of Technology", "{} College", "{} School of Architecture")
TEAM_FORMS = ("{} Rovers", "{} United", "{} Athletic", "{} Wanderers", "{} City FC")
QUALIFIERS = ("", "North ", "South ", "East ", "West ", "Old ", "New ", "Upper ", "Lower ", "Great ", "Little ",
              "Royal ")
_LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
_MIDDLES = np.array([""] + [f"{a}. " for a in _LETTERS] + [f"{a}. {b}. " for a in _LETTERS for b in _LETTERS])


def _cat(*parts: np.ndarray) -> np.ndarray:
    out = parts[0].astype(object)
    for part in parts[1:]:
        out = out + part.astype(object)
    return out.astype(str)


def towns(count: int) -> np.ndarray:
    """Town names 'Marlow', 'Ashford', … (the first len(HEAD)*len(TAIL) are plain, then qualified)."""
    i = np.arange(count)
    base = len(TOWN_HEAD) * len(TOWN_TAIL)
    head = np.array(TOWN_HEAD)[i % len(TOWN_HEAD)]
    tail = np.array(TOWN_TAIL)[(i // len(TOWN_HEAD)) % len(TOWN_TAIL)]
    return _cat(_qualifier(i // base), head, tail)


def _qualifier(tier: np.ndarray) -> np.ndarray:
    words = np.array(QUALIFIERS)[tier % len(QUALIFIERS)].astype(object)
    numbered = tier >= len(QUALIFIERS)
    words[numbered] = [f"{w}{t // len(QUALIFIERS) + 1} " for w, t in zip(words[numbered], tier[numbered])]
    return words.astype(str)


def people(index: np.ndarray) -> np.ndarray:
    """'Arthur Green', …; past FIRST x LAST combinations a middle initial or two: 'Arthur B. Green'."""
    base = len(FIRST) * len(LAST)
    first = np.array(FIRST)[index % len(FIRST)]
    last = np.array(LAST)[(index // len(FIRST)) % len(LAST)]
    tier = index // base
    if tier.size and tier.max() >= len(_MIDDLES):
        raise ValueError("too many people for the name generator")
    return _cat(first, np.full(index.shape, " "), _MIDDLES[tier], last)


def forms(count: int, templates: tuple[str, ...], town_names: np.ndarray) -> np.ndarray:
    """Names from templates over towns: 'University of Marlow', 'Ashford College', …"""
    i = np.arange(count)
    picked = town_names[(i // len(templates)) % len(town_names)]
    return np.array([templates[k].format(t) for k, t in zip(i % len(templates), picked)])


def venues(type_idx: np.ndarray, rank_in_type: np.ndarray, town_names: np.ndarray) -> np.ndarray:
    """'Marlow Stadium', 'North Ashford Museum', … — the noun is the venue's own type."""
    town = town_names[rank_in_type % len(town_names)]
    nouns = np.array([t.title() for t in VENUE_TYPES])[type_idx]
    return _cat(_qualifier(rank_in_type // len(town_names)), town, np.full(type_idx.shape, " "), nouns)
