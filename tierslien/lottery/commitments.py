"""Salted commitments to the applicants' entries: verifying a pool that is not published.

An exact pool (pseudonym + categories) can single out a person in a rare combination of
categories, and, once the panel is known by face on the day, links everyone seated to
their categories. So the web app publishes, for each entry, only the pseudonym and a
*commitment*: the SHA-256 of a random salt (128 bits, one per entry) followed by the
entry. Without the salt nothing can be learnt from it, not even by trying every
combination of categories; with it, the commitment proves which entry was published.

* Each applicant privately receives their own salt, and checks that the public
  commitment of their pseudonym is that of their own categories (`entry_text` says
  exactly what to hash).
* An auditor who receives the exact pool and the salts checks every entry against the
  public commitments (`check_entries`, `tierslien-draw ... --entries public.csv --salts
  salts.csv`), then reruns the draw with `--verify` as usual.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from tierslien.lottery.model import Pool

SEPARATOR = "|"
COMMITMENT_COLUMN = "entry_sha256"


def entry_text(salt: str, ident: str, categories: Mapping[str, str]) -> str:
    """The text committed to: salt|id|criterion=value|... (criteria in the given order)."""
    parts = [salt, ident, *(f"{criterion}={value}" for criterion, value in categories.items())]
    return SEPARATOR.join(parts)


def entry_digest(salt: str, ident: str, categories: Mapping[str, str]) -> str:
    """SHA-256 (hex) of `entry_text`: what the public pool shows next to the pseudonym."""
    return hashlib.sha256(entry_text(salt, ident, categories).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class EntriesCheck:
    """Outcome of `check_entries`: `checked` entries matched; `problems` name the others."""

    checked: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_entries(
    pool: Pool,
    salts: Mapping[str, str],
    public: Mapping[str, str],
    *,
    criteria: tuple[str, ...] | None = None,
) -> EntriesCheck:
    """Check the exact `pool` against the `public` commitments ({id: entry_sha256}).

    Entries without a salt (erased when their owner deleted their account) cannot be
    checked and are reported; public commitments with no entry in the pool are too.
    `criteria`: the columns committed to, in order (default: every column of the pool).
    """
    columns = pool.criteria if criteria is None else criteria
    at = [pool.criteria.index(c) for c in columns]
    problems: list[str] = []
    checked = 0
    for ident, values in zip(pool.ids, pool.values, strict=True):
        salt = salts.get(ident)
        if salt is None:
            problems.append(f"{ident}: no salt (entry erased?), its commitment cannot be checked")
            continue
        digest = entry_digest(salt, ident, {c: values[j] for c, j in zip(columns, at, strict=True)})
        claimed = public.get(ident)
        if claimed is None:
            problems.append(f"{ident}: not in the public list of entries")
        elif claimed != digest:
            problems.append(f"{ident}: the entry differs from the one published (commitment)")
        else:
            checked += 1
    known = set(pool.ids)
    problems += [
        f"{ident}: published but not in the pool" for ident in public if ident not in known
    ]
    return EntriesCheck(checked=checked, problems=tuple(problems))
