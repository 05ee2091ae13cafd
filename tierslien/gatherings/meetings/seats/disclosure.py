"""What the draw's files and pages reveal, and to whom (docs/meetings.md, "Who can see what").

The exact pool (pseudonym + categories, `Meeting.published_pool`) can single out a person
in a rare combination of categories and, once everyone seated is known by face on the
day, tie each of them to their categories. So nothing per person leaves the server
publicly:

* Public (anyone): `seed.txt`, `quotas.csv` (the rules, fixed before the draw),
  `pool.csv` = pseudonym + salted commitment (`tierslien.lottery.commitments`) for each
  entry, `counts.csv` = applicants and seated per value with the small-cell rule of the
  pages, and the public `panel.json` (seed, smallest probability and its bound, panel
  of pseudonyms; no types, compositions nor per-pseudonym probabilities).
* The applicant: their own entry (categories, salt, the text to hash) on their page.
* Auditors, through a site administrator: `audit.zip` (the exact pool, the salts, the
  full record), which `tierslien-draw --verify ... --entries public-pool.csv --salts salts.csv`
  checks against the public commitments and reruns bit for bit.
* Facilitators: counts, never names, until `access.names_visible` (the meeting's day).

A deleted account deletes its application, hence its salt: its entry leaves the public
files (pseudonym and commitment); the audit bundle keeps its categories under its
pseudonym, now tied to nobody, because the rerun needs every entry (the lottery's
types and the record's input digest), and says that it cannot be checked.

Every public file and the bundle go through `seed.guard_not_sensitive`: a sensitive
criterion never reaches them, whatever the meeting's frozen quotas say.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.template.loader import render_to_string

from tierslien.gatherings.meetings.seats import quotas, seed
from tierslien.gatherings.models import Application, Meeting
from tierslien.lottery.commitments import COMMITMENT_COLUMN, entry_digest, entry_text

SMALL_CELL: Final = 11  # counts below this are "fewer than 11", on pages and in public files
HIDDEN: Final = "<11"  # a hidden count in a public file
PUBLIC_FORMAT: Final = "tierslien-draw-public/1"
ID_COLUMN: Final = quotas.ID_COLUMN


# --- Small cells ------------------------------------------------------------------------


def hidden_values(counts: Mapping[str, int]) -> set[str]:
    """The values of one criterion whose counts must not be shown, its total being known.

    Counts below SMALL_CELL are hidden; since the total is known, the hidden counts add up
    to something anyone can compute, so while that sum is between 1 and SMALL_CELL - 1,
    the smallest shown count is hidden too (with one hidden value of 1 and the total, the
    "fewer than 11" would otherwise read as exactly 1)."""
    hidden = {value for value, count in counts.items() if count < SMALL_CELL}
    shown = sorted((count, value) for value, count in counts.items() if value not in hidden)
    while hidden and shown and 0 < sum(counts[v] for v in hidden) < SMALL_CELL:
        hidden.add(shown.pop(0)[1])
    return hidden


def hidden_keys(counts: Mapping[tuple[str, str], int]) -> set[tuple[str, str]]:
    """`hidden_values` criterion by criterion, over {(criterion, value): count}."""
    by_criterion: dict[str, dict[str, int]] = {}
    for (criterion, value), count in counts.items():
        by_criterion.setdefault(criterion, {})[value] = count
    return {
        (criterion, value)
        for criterion, values in by_criterion.items()
        for value in hidden_values(values)
    }


# --- Salts and entries ------------------------------------------------------------------


def live_entries(meeting: Meeting) -> dict[str, str]:
    """{pseudonym: salt} of the entries whose application still exists (not erased by an
    account deletion); the salt is "" for entries frozen before salts existed."""
    pooled = [str(row[ID_COLUMN]) for row in meeting.published_pool]
    return dict(
        Application.objects.filter(meeting=meeting, pseudonym__in=pooled).values_list(
            "pseudonym", "entry_salt"
        )
    )


def salts(meeting: Meeting) -> dict[str, str]:
    """{pseudonym: salt} of the entries that can still be checked (for the auditor)."""
    return {pseudonym: salt for pseudonym, salt in live_entries(meeting).items() if salt}


@dataclass(frozen=True)
class OwnEntry:
    """One applicant's entry in the draw, for their eyes only."""

    pseudonym: str
    categories: dict[str, str]
    salt: str
    text: str
    digest: str


def own_entry(application: Application) -> OwnEntry | None:
    """The applicant's frozen entry, salt and commitment (None before the seed, or without
    a salt: entries frozen before salts existed)."""
    meeting = application.meeting
    if meeting.seed_published_at is None or not application.entry_salt:
        return None
    record = next(
        (r for r in seed.published_records(meeting) if r[ID_COLUMN] == application.pseudonym),
        None,
    )
    if record is None:
        return None
    categories = {k: v for k, v in record.items() if k != ID_COLUMN}
    salt = application.entry_salt
    return OwnEntry(
        pseudonym=application.pseudonym,
        categories=categories,
        salt=salt,
        text=entry_text(salt, application.pseudonym, categories),
        digest=entry_digest(salt, application.pseudonym, categories),
    )


# --- Public files -----------------------------------------------------------------------


def _csv(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def public_pool_csv(meeting: Meeting) -> str:
    """pool.csv for anyone: `id,entry_sha256`, one line per entry not erased (an empty
    commitment for entries frozen before salts existed)."""
    seed.guard_not_sensitive(meeting)
    live = live_entries(meeting)
    rows = []
    for record in seed.published_records(meeting):
        ident = record[ID_COLUMN]
        if ident in live:
            categories = {k: v for k, v in record.items() if k != ID_COLUMN}
            salt = live[ident]
            rows.append([ident, entry_digest(salt, ident, categories) if salt else ""])
    return _csv([ID_COLUMN, COMMITMENT_COLUMN], rows)


def quotas_csv(meeting: Meeting) -> str:
    seed.guard_not_sensitive(meeting)
    return seed.quotas_csv(meeting)


def _value_counts(meeting: Meeting, ids: set[str] | None = None) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter(
        {(str(q["criterion"]), str(q["value"])): 0 for q in meeting.published_quotas}
    )
    for record in seed.published_records(meeting):
        if ids is None or record[ID_COLUMN] in ids:
            counts.update((k, v) for k, v in record.items() if k != ID_COLUMN)
    return counts


def counts_csv(meeting: Meeting) -> str:
    """counts.csv for anyone: applicants (and, once drawn, seated by the draw) per value,
    with "<11" for small counts (`hidden_values`)."""
    seed.guard_not_sensitive(meeting)
    applied = _value_counts(meeting)
    drawn = _value_counts(meeting, set(meeting.published_panel)) if meeting.drawn_at else None
    hide_applied = hidden_keys(applied)
    hide_drawn = hidden_keys(drawn) if drawn is not None else set()

    def shown(count: int, hidden: bool) -> str:
        return HIDDEN if hidden else str(count)

    rows = [
        [
            key[0],
            key[1],
            shown(applied[key], key in hide_applied),
            "" if drawn is None else shown(drawn[key], key in hide_drawn),
        ]
        for key in applied
    ]
    return _csv(["criterion", "value", "applicants", "drawn"], rows)


def public_panel(meeting: Meeting) -> dict[str, Any]:
    """panel.json for anyone: the outcome without anything per type or per person."""
    seed.guard_not_sensitive(meeting)
    full = meeting.draw_record
    erased = {str(row[ID_COLUMN]) for row in meeting.published_pool} - set(live_entries(meeting))
    return {
        "format": PUBLIC_FORMAT,
        "seats": full["seats"],
        "applicants": len(meeting.published_pool),
        "seed": full["seed"],
        "method": full.get("method", 1),
        "min_probability": full["min_probability"],
        "upper_bound": full["upper_bound"],
        "panel": [ident for ident in full["panel"] if ident not in erased],
    }


def public_panel_json(meeting: Meeting) -> str:
    return json.dumps(public_panel(meeting), ensure_ascii=False, indent=1) + "\n"


# --- The auditor's bundle ---------------------------------------------------------------


def audit_bundle(meeting: Meeting) -> bytes:
    """audit.zip: the exact pool, quotas, seed, full record and salts (site admins only)."""
    seed.guard_not_sensitive(meeting)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pool.csv", seed.pool_csv(meeting))
        archive.writestr("quotas.csv", seed.quotas_csv(meeting))
        archive.writestr("seed.txt", f"{meeting.draw_seed}\n")
        archive.writestr("salts.csv", _csv([ID_COLUMN, "salt"], sorted(salts(meeting).items())))
        archive.writestr("public-pool.csv", public_pool_csv(meeting))
        if meeting.draw_record:
            text = json.dumps(meeting.draw_record, ensure_ascii=False, indent=1) + "\n"
            archive.writestr("panel.json", text)
        readme = render_to_string(
            "gatherings/meetings/seats/audit_readme.txt",
            {"meeting": meeting, "command": seed.verify_command(meeting)},
        )
        archive.writestr("README.txt", readme)
    return buffer.getvalue()
