"""Pages for taking over one's account with a code, and for answering through a relay.

- a relay's and a facilitator's page to send a person their code (`relay_takeover`,
  `manage_takeover`);
- the public `/takeover/` (type the code), `/takeover/account/` (choose a password, the
  first time), `/takeover/send/` (ask for a code by typing one's phone number);
- a relay's page of the person's invitations and seats to answer (`relay_behalf`).
"""

from __future__ import annotations

import datetime
from typing import Any

from allauth.account.adapter import get_adapter
from django import forms
from django.contrib import messages
from django.contrib.auth import password_validation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from tierslien.accounts.models import User
from tierslien.lib.http import posted, tell_refusal
from tierslien.lib.phones import BadPhoneNumber, to_e164
from tierslien.lib.refusals import Refused
from tierslien.relays import behalf, takeover
from tierslien.relays.access import get_registered, relay_area
from tierslien.relays.models import Registered, TakeoverCode
from tierslien.territories.access import territory_management
from tierslien.territories.models import Territory

# --- Forms --------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your code"),
        max_length=20,
        help_text=_("8 letters and digits, as in your letter or text message (ABCD-EFGH)."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}
        ),
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Your mobile phone number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        try:
            return to_e164(self.cleaned_data["phone"])
        except BadPhoneNumber as refusal:
            raise forms.ValidationError(refusal.sentence()) from refusal


class AccountForm(forms.Form):
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    email = forms.EmailField(
        label=_("Email address (optional)"),
        required=False,
        help_text=_(
            "To sign in with it and receive messages by email; we will ask you to confirm it."
        ),
    )

    def __init__(self, data: Any, *, person: User) -> None:
        super().__init__(data)
        self.person = person

    def clean_email(self) -> str:
        email = str(self.cleaned_data.get("email") or "").strip()
        if email and takeover.email_taken(email):
            raise forms.ValidationError(_("This email address cannot be used: choose another."))
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.person)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AnswerForBehalfForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(behalf.CIRCLE, behalf.CIRCLE), (behalf.MEETING, behalf.MEETING)]
    )
    seat = forms.IntegerField(min_value=1)
    answer = forms.ChoiceField(
        choices=[(behalf.CONFIRM, behalf.CONFIRM), (behalf.DECLINE, behalf.DECLINE)]
    )
    asked = forms.BooleanField(
        label=_("The person asked me to answer for them."),
        error_messages={"required": _("Answer only when the person asked you to: tick the box.")},
    )


def _address(request: HttpRequest) -> str:
    """The visitor's address as the rate limits count it: a keyed hash, never the IP."""
    return takeover.address_key(str(get_adapter(request).get_client_ip(request)))


# --- Sending a code: the relay's page and the facilitator's -------------------------------


def _send_page(
    request: HttpRequest, territory: Territory, registered: Registered, *, by: str
) -> HttpResponse:
    if request.method == "POST":
        try:
            takeover.send_code(registered, sender_key=f"user:{request.user.pk}")
        except Refused as refusal:
            tell_refusal(request, refusal)
        else:
            messages.success(request, _("The code is on its way to the person."))
        return redirect(request.get_full_path())
    last = TakeoverCode.objects.filter(person=registered.person).order_by("-created_at").first()
    return render(
        request,
        "relays/takeover/send.html",
        {
            "territory": territory,
            "registered": registered,
            "person": registered.person,
            "ready": takeover.channel_ready(registered.person),
            "last": last,
            "now": timezone.now(),
            "by": by,
        },
    )


@require_http_methods(["GET", "POST"])
@relay_area
def relay_takeover(request: HttpRequest, territory: Territory, person_id: int) -> HttpResponse:
    registered = get_registered(request.user, territory, person_id)
    return _send_page(request, territory, registered, by="relay")


@require_http_methods(["GET", "POST"])
@territory_management
def manage_takeover(request: HttpRequest, territory: Territory, person_id: int) -> HttpResponse:
    registered = (
        Registered.objects.select_related("person", "relay")
        .filter(territory=territory, person_id=person_id)
        .first()
    )
    if registered is None:
        raise Http404
    return _send_page(request, territory, registered, by="facilitator")


# --- The person's side: /takeover/ --------------------------------------------------------


def _pending_person(request: HttpRequest) -> User | None:
    pending = request.session.get(takeover.PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        since = datetime.datetime.fromisoformat(str(pending.get("at")))
    except ValueError:
        return None
    if timezone.now() - since > takeover.PENDING_FOR:
        return None
    return User.objects.filter(pk=pending.get("person"), is_active=True).first()


@require_http_methods(["GET", "POST"])
def takeover_start(request: HttpRequest) -> HttpResponse:
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            person = takeover.redeem(form.cleaned_data["code"], address=_address(request))
        except takeover.WrongCode as refusal:
            form.add_error("code", refusal.sentence())
        else:
            if takeover.has_taken_over(person):
                get_adapter(request).login(request, person)
                messages.success(request, _("You are signed in."))
                return redirect("home")
            request.session[takeover.PENDING_KEY] = {
                "person": person.pk,
                "at": timezone.now().isoformat(),
            }
            return redirect("takeover_finish")
    return render(request, "relays/takeover/start.html", {"form": form})


@require_http_methods(["GET", "POST"])
def takeover_finish(request: HttpRequest) -> HttpResponse:
    person = _pending_person(request)
    if person is None:
        return redirect("takeover")
    form = AccountForm(posted(request), person=person)
    if request.method == "POST" and form.is_valid():
        person = takeover.take_over(
            person,
            password=form.cleaned_data["password1"],
            email=form.cleaned_data["email"],
            request=request,
        )
        request.session.pop(takeover.PENDING_KEY, None)
        get_adapter(request).login(request, person)
        messages.success(
            request,
            _(
                "Your account is yours now. You can see your data, change your portrait "
                "or delete the account."
            ),
        )
        return redirect("my_data")
    return render(request, "relays/takeover/finish.html", {"form": form, "person": person})


@require_http_methods(["GET", "POST"])
def takeover_request(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(posted(request))
    if request.method == "POST" and form.is_valid():
        takeover.send_code_to_phone(form.cleaned_data["phone"], address=_address(request))
        # The same answer whether or not the number is known.
        messages.info(
            request,
            _(
                "If this number belongs to someone registered by a local contact, a code "
                "is on its way by text message."
            ),
        )
        return redirect("takeover")
    return render(request, "relays/takeover/request.html", {"form": form})


# --- Answering for someone ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@relay_area
def relay_behalf(request: HttpRequest, territory: Territory, person_id: int) -> HttpResponse:
    registered = get_registered(request.user, territory, person_id)
    form = AnswerForBehalfForm(posted(request))
    if request.method == "POST":
        if form.is_valid():
            try:
                behalf.answer_for(
                    registered,
                    request.user,
                    kind=form.cleaned_data["kind"],
                    seat_id=form.cleaned_data["seat"],
                    answer=form.cleaned_data["answer"],
                )
            except Refused as refusal:
                tell_refusal(request, refusal)
            else:
                messages.success(request, _("The answer is recorded, as given through you."))
            return redirect("relay_behalf", territory.slug, person_id)
        errors = form.errors.get("asked") or [behalf.NothingToAnswer().sentence()]
        for error in errors:
            messages.error(request, error)
        status = 400
    else:
        status = 200
    return render(
        request,
        "relays/takeover/behalf.html",
        {
            "territory": territory,
            "registered": registered,
            "person": registered.person,
            "pending": behalf.pending(registered),
            "form": form,
        },
        status=status,
    )
