"""How many repeated encounters no hosted plan can avoid in a round (a pigeonhole bound).

In round 2 and later, the people at a table of size s all sat somewhere in round 1:
at best they come evenly from the round-1 tables, T of them, or only T - 1 when
nobody may come back to a table (a revisit-free plan: round 1's table is excluded).
Pairs from the same round-1 table meet again, so each table holds at least the pairs
of an even split of s into T (or T - 1) parts. Tighter than `counts.unavoidable_repeats`
when tables are few, e.g. 20 people at 3 tables. No Django.
"""

from __future__ import annotations


def even_split_pairs(size: int, parts: int) -> int:
    """The fewest pairs within parts when `size` people are split into `parts` groups."""
    if parts < 1:
        return size * (size - 1) // 2
    base, bigger = divmod(size, parts)
    return bigger * (base + 1) * base // 2 + (parts - bigger) * base * (base - 1) // 2


def round_repeat_floor(people: int, tables: int, *, revisit_free: bool) -> int:
    """At least this many pairs at the same table in a round from 2 on already met (in
    round 1 alone), with balanced tables (sizes differ by one at most)."""
    if tables < 1 or people < 2:
        return 0
    base, bigger = divmod(people, tables)
    sources = tables - 1 if revisit_free else tables
    return bigger * even_split_pairs(base + 1, sources) + (tables - bigger) * even_split_pairs(
        base, sources
    )
