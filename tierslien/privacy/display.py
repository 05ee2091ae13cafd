"""The "my data" page in plain words: what each stored value means, not its code.

The export (JSON) keeps the stored values as they are, for a machine; the page reads them
to a person: a choice by its label ("Confirmed", not "confirmed"), a weekly slot as a day
and a time ("Tuesday evening", not "tue-evening"), a consent by what was agreed to ("The
sensitive question “How engaged…”", not "question:engagement"), answers by their question.
Empty values are left out of the page (the export keeps them), and a section with nothing
stored is named once in a sentence rather than shown as an empty box.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Field, Model
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tierslien.accounts.models import Consent
from tierslien.lib.slots import ALL_SLOTS
from tierslien.portraits.describe import describe_answer, slot_label
from tierslien.portraits.models import Criterion, Hope
from tierslien.privacy.registry import PersonalModel
from tierslien.territories.models import Accessibility

# Words for fields, read before the models' own names ("staff status" means nothing here).
PAGE_WORDS: dict[str, Any] = {
    "accounts.User.is_superuser": gettext_lazy("site administrator"),
    "accounts.User.is_staff": gettext_lazy("can open the administration site"),
    "accounts.User.is_active": gettext_lazy("account active"),
    "accounts.User.date_joined": gettext_lazy("account created on"),
    "accounts.User.last_login": gettext_lazy("last signed in on"),
    "accounts.User.accepted_terms_version": gettext_lazy("version of the terms accepted"),
}

# Words for fields whose models give no translatable name (the page speaks French first);
# read after PAGE_WORDS and the models' own names.
FIELD_WORDS: dict[str, Any] = {
    "accepted_at": gettext_lazy("accepted on"),
    "answer": gettext_lazy("answer"),
    "answers": gettext_lazy("answers"),
    "attendee": gettext_lazy("attendee"),
    "blocked": gettext_lazy("person kept apart"),
    "checked_in_at": gettext_lazy("arrived at"),
    "circle": gettext_lazy("circle"),
    "code": gettext_lazy("code"),
    "created_at": gettext_lazy("created on"),
    "criterion": gettext_lazy("question"),
    "edited_at": gettext_lazy("edited on"),
    "evening": gettext_lazy("evening"),
    "given_at": gettext_lazy("given on"),
    "handled_at": gettext_lazy("handled on"),
    "invited_at": gettext_lazy("invited on"),
    "last_used_at": gettext_lazy("last used on"),
    "message": gettext_lazy("message"),
    "message_id": gettext_lazy("message"),
    "message_text": gettext_lazy("text of the message"),
    "note": gettext_lazy("note"),
    "other": gettext_lazy("other person"),
    "params": gettext_lazy("details"),
    "portrait": gettext_lazy("self-portrait"),
    "post": gettext_lazy("post"),
    "removed_at": gettext_lazy("removed on"),
    "reported": gettext_lazy("person reported"),
    "resolved_at": gettext_lazy("resolved on"),
    "responded_at": gettext_lazy("answered on"),
    "round": gettext_lazy("round"),
    "season": gettext_lazy("season"),
    "sector": gettext_lazy("sector"),
    "session": gettext_lazy("session"),
    "since": gettext_lazy("since"),
    "state": gettext_lazy("state"),
    "subject": gettext_lazy("what was agreed to"),
    "table": gettext_lazy("table"),
    "territory": gettext_lazy("territory"),
    "to_user": gettext_lazy("person"),
    "together": gettext_lazy("stay together"),
    "type": gettext_lazy("kind"),
    "updated_at": gettext_lazy("last changed on"),
    "value": gettext_lazy("answer"),
    "withdrawn_at": gettext_lazy("withdrawn on"),
    "attempts": gettext_lazy("wrong tries"),
    "expires_at": gettext_lazy("valid until"),
    "printed_at": gettext_lazy("printed on"),
    "relay": gettext_lazy("local contact who registered you"),
    "answered_by": gettext_lazy("answered for you by your local contact"),
    "taken_over_at": gettext_lazy("took over the account on"),
    "used_at": gettext_lazy("used on"),
    "wording_version": gettext_lazy("version of the wording"),
    "recorded_by": gettext_lazy("recorded by"),
    "recorded_at": gettext_lazy("recorded on"),
    "reminder_sent": gettext_lazy("last reminder sent"),
}


# Fields that are codes kept for the record: in the export, not on the page (the
# section's title already says what happened).
RECORD_ONLY: frozenset[str] = frozenset(
    {
        "circles.Unplaced.code",
        "circles.Unplaced.params",
        "circles.Unplaced.message",
        "portraits.Answer.criterion__key",  # the question is named by its label
    }
)


def _slots(value: Any) -> str:
    chosen = set(value) if isinstance(value, list) else set()
    return ", ".join(str(slot_label(slot)) for slot in ALL_SLOTS if slot in chosen)


def _choices(choices: Any) -> Callable[[Any], str]:
    known = dict(choices.choices)

    def words(value: Any) -> str:
        items = value if isinstance(value, list) else [value]
        return ", ".join(str(known.get(item, item)) for item in items)

    return words


# JSON fields holding codes from a fixed list.
LIST_WORDS: dict[str, Callable[[Any], str]] = {
    "portraits.Portrait.availability": _slots,
    "circles.Registration.availability": _slots,
    "portraits.Portrait.accessibility_needs": _choices(Accessibility),
    "portraits.Portrait.hopes": _choices(Hope),
}


def final_field(label: str, lookup: str) -> Field[Any, Any] | None:
    """The model field a lookup such as "circle__season__name" ends on."""
    model: type[Model] | None = apps.get_model(label)
    found: Any = None
    for part in lookup.split("__"):
        if model is None:
            return None
        found = model._meta.get_field(part)
        model = found.related_model
    return found if isinstance(found, Field) else None


@dataclass(frozen=True)
class Words:
    """What the page needs to read values: the questions' labels, fetched once."""

    criteria: Mapping[str, Criterion]

    def consent(self, subject: str) -> str:
        if subject == Consent.TERMS:
            return _("The terms of use and the privacy notice")
        key = subject.removeprefix(Consent.question_subject(""))
        criterion = self.criteria.get(key)
        name = criterion.label if criterion is not None else key
        return _("The sensitive question “%(question)s”") % {"question": name}

    def answers(self, value: Mapping[str, Any]) -> str:
        parts = []
        for key, answer in value.items():
            criterion = self.criteria.get(key)
            if criterion is None:
                parts.append(f"{key}: {answer}")
            else:
                parts.append(f"{criterion.label}: {describe_answer(criterion, answer)}")
        return "; ".join(parts)


def words_for(users_keys: Iterable[str]) -> Words:
    """The questions named in someone's rows, by key (one query)."""
    keys = set(users_keys)
    criteria = Criterion.objects.filter(key__in=keys).order_by("-pk") if keys else []
    return Words({criterion.key: criterion for criterion in criteria})


def question_keys(data: Mapping[str, list[dict[str, Any]]]) -> set[str]:
    """Every question key in someone's rows (consents to questions, answers dicts)."""
    keys: set[str] = set()
    prefix = Consent.question_subject("")
    for rows in data.values():
        for row in rows:
            for name, value in row.items():
                if name == "subject" and isinstance(value, str) and value.startswith(prefix):
                    keys.add(value.removeprefix(prefix))
                if name == "answers" and isinstance(value, dict):
                    keys.update(str(key) for key in value)
                elif name == "criterion__key" and isinstance(value, str):
                    keys.add(value)
    return keys


def field_words(spec: PersonalModel, lookup: str) -> Any:
    """The field's translatable name: ours, then the model's, then FIELD_WORDS' (a plain
    string only when nobody named it, which a test forbids)."""
    key = f"{spec.label}.{lookup}"
    if key in PAGE_WORDS:
        return PAGE_WORDS[key]
    first = lookup.split("__", 1)[0]
    model = apps.get_model(spec.label)
    verbose = getattr(model._meta.get_field(first), "verbose_name", first)
    if isinstance(verbose, Promise):
        return verbose
    return FIELD_WORDS.get(first, verbose)  # the model's name is derived from the field's


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def value_words(
    spec: PersonalModel, lookup: str, value: Any, words: Words, row: Mapping[str, Any]
) -> Any:
    """One stored value as a person reads it (`row`: the other values of its row)."""
    key = f"{spec.label}.{lookup}"
    if spec.label == "portraits.Answer" and lookup == "value":
        criterion = words.criteria.get(str(row.get("criterion__key")))
        if criterion is not None:
            return describe_answer(criterion, value)
    if key in LIST_WORDS:
        return LIST_WORDS[key](value)
    if spec.label == "accounts.Consent" and lookup == "subject" and isinstance(value, str):
        return words.consent(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if lookup.endswith("answers") and isinstance(value, dict):
        return words.answers(value)
    field = final_field(spec.label, lookup)
    if field is not None and field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value


def readable_row(
    spec: PersonalModel, row: Mapping[str, Any], words: Words
) -> list[tuple[str, Any]]:
    """A stored row as (name, value in words) pairs, empty values and record codes left out."""
    return [
        (
            capfirst(str(field_words(spec, lookup))) or lookup,
            value_words(spec, lookup, value, words, row),
        )
        for lookup, value in row.items()
        if not is_empty(value) and f"{spec.label}.{lookup}" not in RECORD_ONLY
    ]
