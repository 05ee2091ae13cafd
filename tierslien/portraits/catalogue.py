"""The catalogue of mixing criteria a territory starts from.

Each territory gets a copy of the enabled defaults (`install_default_criteria`)
which its facilitators can then disable, reweight or extend. Labels here are
translatable; a copied criterion keeps its `catalogue_key` so the interface
shows the translated wording rather than the stored one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CatalogueOption:
    value: str
    label: str | Promise


@dataclass(frozen=True)
class CatalogueCriterion:
    key: str
    label: str | Promise
    question: str | Promise
    kind: str  # categorical | ordinal | numeric | multi
    weight: float = 1.0
    goal: str = "diverse"  # diverse | shared
    sensitive: bool = False
    enabled: bool = True
    options: tuple[CatalogueOption, ...] = field(default_factory=tuple)


def _options(*pairs: tuple[str, str | Promise]) -> tuple[CatalogueOption, ...]:
    return tuple(CatalogueOption(value, label) for value, label in pairs)


CATALOGUE: tuple[CatalogueCriterion, ...] = (
    CatalogueCriterion(
        key="age_bracket",
        label=_("Age bracket"),
        question=_("How old are you?"),
        kind="ordinal",
        weight=1.0,
        options=_options(
            ("18-24", _("18 to 24")),
            ("25-34", _("25 to 34")),
            ("35-49", _("35 to 49")),
            ("50-64", _("50 to 64")),
            ("65-74", _("65 to 74")),
            ("75+", _("75 and over")),
        ),
    ),
    CatalogueCriterion(
        key="gender",
        label=_("Gender"),
        question=_("How do you describe yourself?"),
        kind="categorical",
        weight=0.5,
        options=_options(
            ("woman", _("A woman")),
            ("man", _("A man")),
            ("other", _("Another way")),
        ),
    ),
    CatalogueCriterion(
        key="occupation",
        label=_("Occupation"),
        question=_("Which group best describes your occupation (or your last one)?"),
        kind="categorical",
        weight=2.0,
        # Top level of INSEE's PCS (professions et catégories socioprofessionnelles).
        options=_options(
            ("1", _("Farmer")),
            ("2", _("Craftsperson, shopkeeper, business owner")),
            ("3", _("Manager, professional, higher intellectual occupation")),
            ("4", _("Intermediate occupation (technician, teacher, nurse…)")),
            ("5", _("Employee (office, shop, care, services…)")),
            ("6", _("Manual worker")),
            ("7", _("Retired")),
            ("8", _("Student, job seeker or otherwise without occupation")),
        ),
    ),
    CatalogueCriterion(
        key="education",
        label=_("Education"),
        question=_("What is the highest level of education you completed?"),
        kind="ordinal",
        weight=1.0,
        options=_options(
            ("none", _("No diploma")),
            ("cap", _("Brevet, CAP or BEP")),
            ("bac", _("Baccalauréat")),
            ("bac3", _("Two or three years of higher education")),
            ("bac5", _("Five years of higher education or more")),
        ),
    ),
    CatalogueCriterion(
        key="housing",
        label=_("Housing"),
        question=_("How are you housed?"),
        kind="categorical",
        weight=1.0,
        options=_options(
            ("owner", _("Owner")),
            ("private-tenant", _("Tenant in the private sector")),
            ("social-tenant", _("Tenant in social housing")),
            ("hosted", _("Hosted by family or friends")),
            ("student", _("Student residence")),
            ("other", _("Other situation")),
        ),
    ),
    CatalogueCriterion(
        key="languages",
        label=_("Languages spoken"),
        question=_("Which languages can you hold a conversation in?"),
        kind="multi",
        goal="shared",
        options=_options(
            ("fr", _("French")),
            ("en", _("English")),
            ("ar", _("Arabic")),
            ("es", _("Spanish")),
            ("pt", _("Portuguese")),
            ("tr", _("Turkish")),
            ("br", _("Breton")),
            ("lsf", _("French Sign Language")),
        ),
    ),
    CatalogueCriterion(
        key="worlds",
        label=_("The worlds I usually move in"),
        question=_("Where do you usually meet people?"),
        kind="multi",
        weight=1.0,
        options=_options(
            ("work", _("At work")),
            ("neighbourhood", _("In my neighbourhood")),
            ("association", _("In an association")),
            ("sport", _("In a sports club")),
            ("culture", _("In cultural activities")),
            ("school", _("At school, as a pupil, student or parent")),
            ("online", _("Online communities")),
            ("family", _("Mostly with family")),
        ),
    ),
    CatalogueCriterion(
        key="belief_worlds",
        label=_("Worlds of belief and commitment"),
        question=_("Are you part of any of these communities?"),
        kind="multi",
        weight=1.0,
        sensitive=True,
        options=_options(
            ("religious", _("A religious or spiritual community")),
            ("secular", _("A secular or humanist association")),
            ("political", _("A political party or a trade union")),
            ("none", _("None of these")),
        ),
    ),
    CatalogueCriterion(
        key="engagement",
        label=_("Civic engagement"),
        question=_("How would you describe your relation to civic and political life?"),
        kind="ordinal",
        weight=2.0,
        sensitive=True,
        options=_options(
            ("disillusioned", _("Disillusioned: it is not for me any more")),
            ("distant", _("Distant: I follow from afar")),
            ("curious", _("Curious: I would like to understand more")),
            ("involved", _("Involved: I take part now and then")),
            ("activist", _("Activist: I am committed, regularly")),
        ),
    ),
)

CATALOGUE_BY_KEY = {criterion.key: criterion for criterion in CATALOGUE}
