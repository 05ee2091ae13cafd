from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.accounts.services import active_subjects
from tierslien.lib.http import posted
from tierslien.portraits import freeze
from tierslien.portraits.access import (
    answers_by_criterion,
    describe_own_portrait,
    get_criterion,
    get_criterion_by_key,
    get_own_portrait,
    questionnaire_criteria,
)
from tierslien.portraits.forms import (
    CatalogueCriterionForm,
    CriteriaSettingsForm,
    CustomCriterionForm,
    PortraitForm,
    initial_value,
)
from tierslien.portraits.models import Criterion, Portrait
from tierslien.portraits.services import (
    QuestionnaireRefused,
    SensitiveAnswerWithoutConsent,
    create_criterion,
    criterion_has_answers,
    save_portrait,
    update_criteria_settings,
    update_criterion,
    withdraw_sensitive_consent,
)
from tierslien.territories.access import get_territory, territory_management
from tierslien.territories.models import Territory

# --- The self-portrait (always request.user's own) -----------------------------------------


@require_safe
@login_required
def portrait_detail(request: HttpRequest, territory_slug: str) -> HttpResponse:
    territory = get_territory(territory_slug)
    portrait = get_own_portrait(request.user, territory)
    if portrait is None:
        return redirect("portrait_edit", territory.slug)
    description = describe_own_portrait(portrait)
    return render(
        request,
        "portraits/portrait_detail.html",
        {"territory": territory, "portrait": portrait, "description": description},
    )


def _initial(portrait: Portrait | None, criteria: list[Criterion]) -> dict[str, Any]:
    if portrait is None:
        return {"max_km": 5, "meeting_mode": "in-person"}
    answers = answers_by_criterion(portrait)
    initial: dict[str, Any] = {
        "sector": portrait.sector_id,
        "max_km": portrait.max_km,
        "availability": portrait.availability,
        "meeting_mode": portrait.meeting_mode,
        "accessibility_needs": portrait.accessibility_needs,
        "hopes": portrait.hopes,
    }
    for criterion in criteria:
        initial[f"answer_{criterion.key}"] = initial_value(criterion, answers.get(criterion.pk))
    return initial


@require_http_methods(["GET", "POST"])
@login_required
def portrait_edit(request: HttpRequest, territory_slug: str) -> HttpResponse:
    territory = get_territory(territory_slug)
    portrait = get_own_portrait(request.user, territory)
    criteria = list(questionnaire_criteria(territory))
    form_kwargs: dict[str, Any] = {
        "territory": territory,
        "criteria": criteria,
        "consented": active_subjects(request.user),
    }
    if request.method == "POST":
        form = PortraitForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                _portrait, created = save_portrait(
                    request.user,
                    territory,
                    **form.practical(),
                    answers=form.answers(),
                    consents=form.new_consents(),
                )
            except SensitiveAnswerWithoutConsent:
                # A consent was withdrawn meanwhile (another tab): nothing was saved.
                form.add_error(
                    None,
                    _(
                        "Your consent to a sensitive question was withdrawn meanwhile: "
                        "nothing was saved. Please check your answers again."
                    ),
                )
                return render(
                    request,
                    "portraits/portrait_edit.html",
                    {"territory": territory, "portrait": portrait, "form": form},
                    status=409,
                )
            if created:
                messages.success(
                    request,
                    _("Welcome to %(territory)s: your self-portrait is saved.")
                    % {"territory": territory.name},
                )
            else:
                messages.success(request, _("Your self-portrait is saved."))
            return redirect("portrait_detail", territory.slug)
    else:
        form = PortraitForm(initial=_initial(portrait, criteria), **form_kwargs)
    return render(
        request,
        "portraits/portrait_edit.html",
        {"territory": territory, "portrait": portrait, "form": form},
    )


@require_POST
@login_required
def portrait_withdraw_consent(
    request: HttpRequest, territory_slug: str, criterion_key: str
) -> HttpResponse:
    territory = get_territory(territory_slug)
    criterion = get_criterion_by_key(territory, criterion_key)
    if withdraw_sensitive_consent(request.user, criterion.key):
        messages.success(
            request,
            _("Consent withdrawn: your answer to “%(label)s” is erased.")
            % {"label": criterion.display_label},
        )
    else:
        messages.info(request, _("There was no consent to withdraw for this question."))
    return redirect("portrait_detail", territory.slug)


# --- The questionnaire, for facilitators ---------------------------------------------------


@require_http_methods(["GET", "POST"])
@territory_management
def manage_criteria(request: HttpRequest, territory: Territory) -> HttpResponse:
    criteria = list(Criterion.objects.filter(territory=territory))
    if request.method == "POST":
        form = CriteriaSettingsForm(request.POST, criteria=criteria)
        if form.is_valid():
            try:
                update_criteria_settings(territory, form.changes())
            except QuestionnaireRefused as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The questionnaire is saved."))
                return redirect("manage_criteria", territory.slug)
    else:
        form = CriteriaSettingsForm(criteria=criteria)
    return render(
        request,
        "portraits/manage/criteria.html",
        {"territory": territory, "form": form, "frozen": freeze.is_frozen(territory.pk)},
    )


@require_http_methods(["GET", "POST"])
@territory_management
def manage_criterion_new(request: HttpRequest, territory: Territory) -> HttpResponse:
    if request.method == "POST":
        form = CustomCriterionForm(request.POST)
        if form.is_valid():
            try:
                criterion = create_criterion(territory, **form.definition())
            except QuestionnaireRefused as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request, _("The question “%(label)s” is added.") % {"label": criterion.label}
                )
                return redirect("manage_criteria", territory.slug)
    else:
        form = CustomCriterionForm()
    return render(
        request,
        "portraits/manage/criterion_form.html",
        {
            "territory": territory,
            "form": form,
            "criterion": None,
            "frozen": freeze.is_frozen(territory.pk),
        },
    )


@require_http_methods(["GET", "POST"])
@territory_management
def manage_criterion_edit(
    request: HttpRequest, territory: Territory, criterion_id: int
) -> HttpResponse:
    criterion = get_criterion(territory, criterion_id)
    data = posted(request)
    form: CatalogueCriterionForm | CustomCriterionForm
    has_answers = criterion_has_answers(criterion)
    if criterion.catalogue_key:
        form = CatalogueCriterionForm(data, criterion=criterion, has_answers=has_answers)
    else:
        form = CustomCriterionForm(data, criterion=criterion, has_answers=has_answers)
    if request.method == "POST" and form.is_valid():
        try:
            erased = update_criterion(criterion, **form.definition())
        except QuestionnaireRefused as error:
            messages.error(request, error.message)
            return _criterion_page(request, territory, form, criterion)
        messages.success(
            request, _("The question “%(label)s” is saved.") % {"label": criterion.display_label}
        )
        if erased:
            messages.info(
                request,
                _(
                    "This question is now sensitive: answers given without consent were "
                    "erased, and people will be asked for their consent."
                ),
            )
        return redirect("manage_criteria", territory.slug)
    return _criterion_page(request, territory, form, criterion)


def _criterion_page(
    request: HttpRequest,
    territory: Territory,
    form: CatalogueCriterionForm | CustomCriterionForm,
    criterion: Criterion,
) -> HttpResponse:
    return render(
        request,
        "portraits/manage/criterion_form.html",
        {
            "territory": territory,
            "form": form,
            "criterion": criterion,
            "frozen": freeze.is_frozen(territory.pk),
        },
    )
