"""Forms of the self-portrait questionnaire and of the criteria pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from tierslien.accounts.consent import SENSITIVE_QUESTION_WORDING
from tierslien.accounts.models import Consent
from tierslien.lib.slots import DAYS, PARTS
from tierslien.portraits import services
from tierslien.portraits.catalogue import CATALOGUE_BY_KEY
from tierslien.portraits.describe import DAY_LABELS, PART_LABELS
from tierslien.portraits.models import Criterion, CriterionGoal, CriterionKind, Hope, MeetingMode
from tierslien.territories.models import Accessibility, Sector, Territory

CHOICE_KINDS = (CriterionKind.CATEGORICAL, CriterionKind.ORDINAL, CriterionKind.MULTI)
NUMERIC_LIMIT = 1_000_000
MAX_OPTIONS = 40


def answer_field_name(criterion: Criterion) -> str:
    return f"answer_{criterion.key}"


def answers_of(criteria: Iterable[Criterion], cleaned_data: Mapping[str, Any]) -> dict[int, Any]:
    """{criterion id: value or None for "prefer not to say"} from a form's cleaned data
    (one field per criterion, named by `answer_field_name`): the one reading of answers."""
    answers: dict[int, Any] = {}
    for criterion in criteria:
        value = cleaned_data.get(answer_field_name(criterion))
        if criterion.kind == CriterionKind.MULTI:
            chosen = set(value or [])
            ordered = [option for option, _label in criterion.choices() if option in chosen]
            answers[criterion.pk] = ordered or None
        elif value in (None, ""):
            answers[criterion.pk] = None
        elif isinstance(value, float) and value.is_integer():
            answers[criterion.pk] = int(value)
        else:
            answers[criterion.pk] = value
    return answers


def consent_field_name(criterion: Criterion) -> str:
    return f"consent_{criterion.key}"


def criterion_field(criterion: Criterion) -> forms.Field:
    """The form field asking one criterion; an empty answer means "prefer not to say"."""
    label = criterion.display_question
    if criterion.kind == CriterionKind.NUMERIC:
        return forms.FloatField(
            label=label,
            required=False,
            min_value=criterion.numeric_min,
            max_value=criterion.numeric_max,
            help_text=_("Leave blank if you prefer not to say."),
        )
    if criterion.kind == CriterionKind.MULTI:
        return forms.MultipleChoiceField(
            label=label,
            required=False,
            choices=criterion.choices(),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
            help_text=_("Tick nothing if you prefer not to say."),
        )
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", _("I prefer not to say")), *criterion.choices()],
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )


def initial_value(criterion: Criterion, value: Any) -> Any:
    if value is None:
        return [] if criterion.kind == CriterionKind.MULTI else ""
    return value


@dataclass(frozen=True)
class Question:
    criterion: Criterion
    field: BoundField
    consent: BoundField | None
    consented: bool


class PortraitForm(forms.Form):
    """The whole self-portrait: practical answers, then the territory's questions."""

    sector = forms.ModelChoiceField(
        label=_("Which sector do you live in?"),
        queryset=Sector.objects.none(),
        required=False,
        empty_label=_("I prefer not to say"),
        help_text=_("A named area, never an address: it helps to suggest places near you."),
    )
    max_km = forms.FloatField(
        label=_("How far can you travel to meet (in km)?"),
        min_value=0,
        max_value=200,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you usually available?"),
        required=False,
        choices=[(f"{day}-{part}", f"{day}-{part}") for day in DAYS for part in PARTS],
        widget=forms.CheckboxSelectMultiple,
    )
    meeting_mode = forms.ChoiceField(
        label=_("How can you meet?"),
        choices=MeetingMode.choices,
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )
    accessibility_needs = forms.MultipleChoiceField(
        label=_("Do you need any of these to take part?"),
        required=False,
        choices=Accessibility.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
    )
    hopes = forms.MultipleChoiceField(
        label=_("What do you hope for?"),
        required=False,
        choices=Hope.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
    )

    def __init__(
        self,
        *args: Any,
        territory: Territory,
        criteria: Sequence[Criterion],
        consented: set[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        self.consented = consented
        self.fields["sector"].queryset = territory.sectors.all()
        for criterion in self.criteria:
            self.fields[answer_field_name(criterion)] = criterion_field(criterion)
            if criterion.sensitive and not self.has_consent(criterion):
                self.fields[consent_field_name(criterion)] = forms.BooleanField(
                    label=SENSITIVE_QUESTION_WORDING, required=False
                )

    def has_consent(self, criterion: Criterion) -> bool:
        return Consent.question_subject(criterion.key) in self.consented

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for criterion in self.criteria:
            name = answer_field_name(criterion)
            if not criterion.sensitive or self.has_consent(criterion):
                continue
            if cleaned.get(name) not in (None, "", []) and not cleaned.get(
                consent_field_name(criterion)
            ):
                self.add_error(
                    name,
                    _(
                        "This question is sensitive: tick the consent box to answer it, "
                        "or leave it unanswered."
                    ),
                )
        return cleaned

    def answers(self) -> dict[int, Any]:
        """{criterion id: value or None for "prefer not to say"}."""
        return answers_of(self.criteria, self.cleaned_data)

    def new_consents(self) -> set[str]:
        """Keys of the sensitive questions whose consent box was ticked."""
        return {
            criterion.key
            for criterion in self.criteria
            if self.cleaned_data.get(consent_field_name(criterion))
        }

    def practical(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in (
                "sector",
                "max_km",
                "availability",
                "meeting_mode",
                "accessibility_needs",
                "hopes",
            )
        }

    def questions(self) -> list[Question]:
        return [
            Question(
                criterion=criterion,
                field=self[answer_field_name(criterion)],
                consent=(
                    self[consent_field_name(criterion)]
                    if consent_field_name(criterion) in self.fields
                    else None
                ),
                consented=self.has_consent(criterion),
            )
            for criterion in self.criteria
        ]

    def availability_grid(self) -> list[tuple[Any, list[tuple[Any, Any]]]]:
        """Rows of (day label, [(part label, checkbox widget)]) for an accessible table."""
        widgets = {widget.data["value"]: widget for widget in self["availability"]}
        return [
            (
                DAY_LABELS[day],
                [(PART_LABELS[part], widgets[f"{day}-{part}"]) for part in PARTS],
            )
            for day in DAYS
        ]


class CriteriaSettingsForm(forms.Form):
    """Enable, disable and reweight all the criteria of a territory at once."""

    def __init__(self, *args: Any, criteria: Iterable[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            label = criterion.display_label
            self.fields[f"enabled_{criterion.pk}"] = forms.BooleanField(
                label=_("Ask “%(label)s”") % {"label": label},
                required=False,
                initial=criterion.enabled,
            )
            self.fields[f"weight_{criterion.pk}"] = weight_field(
                label=_("Weight of “%(label)s”") % {"label": label},
                initial=criterion.weight,
                help_text="",
            )

    def rows(self) -> list[tuple[Criterion, BoundField, BoundField]]:
        return [
            (criterion, self[f"enabled_{criterion.pk}"], self[f"weight_{criterion.pk}"])
            for criterion in self.criteria
        ]

    def changes(self) -> dict[int, tuple[bool, float]]:
        return {
            criterion.pk: (
                self.cleaned_data[f"enabled_{criterion.pk}"],
                self.cleaned_data[f"weight_{criterion.pk}"],
            )
            for criterion in self.criteria
        }


def weight_field(**kwargs: Any) -> forms.FloatField:
    kwargs.setdefault("help_text", _("From 0 (ignored by the mixing) to 10."))
    return forms.FloatField(
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(attrs={"step": "any", "class": "weight"}),
        **kwargs,
    )


def parse_options(text: str, existing: Sequence[dict[str, str]] = ()) -> list[dict[str, str]]:
    """One option per line; a line keeps the value of an existing option of the same slug."""
    known = {option["value"]: option["value"] for option in existing}
    known.update({slugify(option["label"]): option["value"] for option in existing})
    options: list[dict[str, str]] = []
    seen: set[str] = set()
    for line in text.splitlines():
        label = " ".join(line.split())
        if not label:
            continue
        if len(label) > 120:
            raise forms.ValidationError(_("An option can be at most 120 characters long."))
        slug = slugify(label)[:40] or f"option-{len(options) + 1}"
        value = known.get(slug, slug)
        if value in seen:
            raise forms.ValidationError(
                _("The option “%(label)s” appears twice."), params={"label": label}
            )
        seen.add(value)
        options.append({"value": value, "label": label})
    if len(options) > MAX_OPTIONS:
        raise forms.ValidationError(
            _("At most %(count)d options, please."), params={"count": MAX_OPTIONS}
        )
    return options


def check_sensitive(
    form: forms.Form,
    cleaned: dict[str, Any],
    previous: Criterion | None,
    has_answers: bool,
    *,
    goal: str | None,
) -> None:
    """The sensitive flag's rules, as the service checks them (services.update_criterion):
    a sensitive question is never one members must share, and stays sensitive while
    answers given under consent exist."""
    sensitive = cleaned.get("sensitive", False)
    if sensitive and goal == CriterionGoal.SHARED:
        form.add_error(
            "goal" if "goal" in form.fields else "sensitive", str(services.SHARED_MESSAGE)
        )
    if previous is not None and previous.sensitive and not sensitive and has_answers:
        form.add_error("sensitive", str(services.FLAG_KEPT_MESSAGE))


class CustomCriterionForm(forms.Form):
    """A criterion a facilitator writes: everything is editable, within what answers allow."""

    label = forms.CharField(label=_("Short name"), max_length=120)
    question = forms.CharField(label=_("Question asked"), max_length=300)
    kind = forms.ChoiceField(
        label=_("Kind of answer"),
        choices=CriterionKind.choices,
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )
    goal = forms.ChoiceField(
        label=_("What the mixing does with it"),
        choices=CriterionGoal.choices,
        widget=forms.RadioSelect(attrs={"class": "choices"}),
        initial=CriterionGoal.DIVERSE,
    )
    weight = weight_field(label=_("Weight"), initial=1.0)
    enabled = forms.BooleanField(label=_("Ask this question"), required=False, initial=True)
    sensitive = forms.BooleanField(
        label=_("Sensitive"),
        required=False,
        help_text=_(
            "It reveals opinions, beliefs or health: it is asked only after the person "
            "gives explicit, separate consent."
        ),
    )
    options = forms.CharField(
        label=_("Options, one per line"),
        required=False,
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "For one choice, a level on a scale (lowest first) or several choices. "
            "Once people have answered, options can be added, reordered or respelled "
            "but not removed."
        ),
    )
    numeric_min = forms.FloatField(
        label=_("Smallest number"),
        required=False,
        min_value=-NUMERIC_LIMIT,
        max_value=NUMERIC_LIMIT,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    numeric_max = forms.FloatField(
        label=_("Largest number"),
        required=False,
        min_value=-NUMERIC_LIMIT,
        max_value=NUMERIC_LIMIT,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )

    def __init__(
        self,
        *args: Any,
        criterion: Criterion | None = None,
        has_answers: bool = False,
        **kwargs: Any,
    ) -> None:
        if criterion is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "label": criterion.label,
                "question": criterion.question,
                "kind": criterion.kind,
                "goal": criterion.goal,
                "weight": criterion.weight,
                "enabled": criterion.enabled,
                "sensitive": criterion.sensitive,
                "options": "\n".join(option["label"] for option in criterion.options),
                "numeric_min": criterion.numeric_min,
                "numeric_max": criterion.numeric_max,
            }
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        self.has_answers = has_answers

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind is None:
            return cleaned
        previous = self.criterion
        locked = previous is not None and self.has_answers
        check_sensitive(self, cleaned, previous, self.has_answers, goal=cleaned.get("goal"))
        if locked and previous is not None and kind != previous.kind:
            self.add_error(
                "kind",
                _(
                    "People have already answered this question, so its kind cannot change. "
                    "Disable it and create a new criterion instead."
                ),
            )
            return cleaned
        if kind == CriterionKind.NUMERIC:
            self._clean_numeric(cleaned, previous if locked else None)
        else:
            self._clean_options(cleaned, previous if locked else None)
        return cleaned

    def _clean_numeric(self, cleaned: dict[str, Any], locked: Criterion | None) -> None:
        low, high = cleaned.get("numeric_min"), cleaned.get("numeric_max")
        if low is None or high is None:
            if "numeric_min" not in self.errors and "numeric_max" not in self.errors:
                self.add_error("numeric_max", _("Give the smallest and the largest number."))
            return
        if low >= high:
            self.add_error("numeric_max", _("The largest number must exceed the smallest."))
            return
        if locked is not None and (
            (locked.numeric_min is not None and low > locked.numeric_min)
            or (locked.numeric_max is not None and high < locked.numeric_max)
        ):
            self.add_error(
                "numeric_max",
                _(
                    "People have already answered this question: its range can be widened "
                    "but not narrowed."
                ),
            )
            return
        cleaned["parsed_options"] = []

    def _clean_options(self, cleaned: dict[str, Any], locked: Criterion | None) -> None:
        existing = self.criterion.options if self.criterion is not None else []
        try:
            options = parse_options(cleaned.get("options", ""), existing)
        except forms.ValidationError as error:
            self.add_error("options", error)
            return
        if len(options) < 2:
            self.add_error("options", _("Give at least two options, one per line."))
            return
        if locked is not None:
            kept = {option["value"] for option in options}
            removed = [option["label"] for option in locked.options if option["value"] not in kept]
            if removed:
                self.add_error(
                    "options",
                    _(
                        "People have already answered this question: options cannot be "
                        "removed (missing: %(options)s). Disable it and create a new "
                        "criterion instead."
                    )
                    % {"options": ", ".join(removed)},
                )
                return
        cleaned["parsed_options"] = options
        cleaned["numeric_min"] = cleaned["numeric_max"] = None

    def definition(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "label": data["label"],
            "question": data["question"],
            "kind": data["kind"],
            "goal": data["goal"],
            "weight": data["weight"],
            "enabled": data["enabled"],
            "sensitive": data["sensitive"],
            "options": data["parsed_options"],
            "numeric_min": data.get("numeric_min"),
            "numeric_max": data.get("numeric_max"),
        }


class CatalogueCriterionForm(forms.Form):
    """A catalogue criterion keeps its wording, kind, goal and options."""

    weight = weight_field(label=_("Weight"))
    enabled = forms.BooleanField(label=_("Ask this question"), required=False)
    sensitive = forms.BooleanField(
        label=_("Sensitive"),
        required=False,
        help_text=_("Asked only after the person gives explicit, separate consent."),
    )

    def __init__(
        self, *args: Any, criterion: Criterion, has_answers: bool = False, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "weight": criterion.weight,
                "enabled": criterion.enabled,
                "sensitive": criterion.sensitive,
            },
        )
        super().__init__(*args, **kwargs)
        self.criterion = criterion
        self.has_answers = has_answers
        entry = CATALOGUE_BY_KEY.get(criterion.catalogue_key)
        if entry is not None and entry.sensitive:
            field = self.fields["sensitive"]
            field.disabled = True
            field.help_text = _("This question is always sensitive.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        check_sensitive(self, cleaned, self.criterion, self.has_answers, goal=self.criterion.goal)
        return cleaned

    def definition(self) -> dict[str, Any]:
        return {
            "weight": self.cleaned_data["weight"],
            "enabled": self.cleaned_data["enabled"],
            "sensitive": self.cleaned_data["sensitive"],
        }
