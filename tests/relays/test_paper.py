"""Paper: registration forms with a reference code, invitation letters, a circle's
first-session sheet and the territory's poster, printed from the browser."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.cast import Cast
from tests.security.world import World, build_world
from tierslien.accounts.models import ReachBy, User
from tierslien.circles.models import Membership, SeasonState
from tierslien.circles.schedule import session_times
from tierslien.gatherings.evenings.door import qr_svg
from tierslien.portraits.models import Criterion
from tierslien.relays import paper
from tierslien.relays.models import PaperForm
from tierslien.spaces.pact import PACT

ClientAs = Callable[[str], Client]


def speak(user: User, language: str) -> None:
    User.objects.filter(pk=user.pk).update(language=language)


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


@pytest.fixture
def world(cast: Cast) -> World:
    """The security world (a running season, circle 1 at the Médiathèque with Alice and
    Bob), with Rémi (registered by Rosa) seated too and Alice reached by post."""
    built = build_world(cast)
    Membership.objects.create(circle=built.circle, user=cast.registered)
    User.objects.filter(pk=cast.participant.pk).update(
        reach_by=ReachBy.POST, postal_address="12 rue des Lilas\n35000 Rennes", language="en"
    )
    User.objects.filter(pk=cast.relay.pk).update(phone="+33611223344")
    return built


# --- Reference codes ---------------------------------------------------------------------


def test_a_code_names_the_territory_and_checks_itself(cast: Cast) -> None:
    code = paper.new_code(cast.territory)
    assert code.startswith("VDL-") and len(code) == len("VDL-7K3P")
    assert paper.code_is_well_formed(code)
    assert paper.code_is_well_formed(code.lower().replace("-", " "))  # as typed
    assert paper.normalise_code(" vdl 7k3p ") == "VDL-7K3P"


def test_the_check_symbol_catches_one_wrong_symbol_and_a_swap() -> None:
    symbols = paper.CODE_SYMBOLS
    for body in (
        "".join(t) for t in itertools.islice(itertools.product(symbols, repeat=3), 0, None, 37)
    ):
        check = paper.check_symbol(body)
        for position, other in itertools.product(range(3), symbols):
            wrong = body[:position] + other + body[position + 1 :]
            if wrong != body:
                assert paper.check_symbol(wrong) != check, (body, wrong)
        for position in range(2):
            swapped = body[:position] + body[position + 1] + body[position] + body[position + 2 :]
            if swapped != body:
                assert paper.check_symbol(swapped) != check, (body, swapped)
        # The check symbol itself mistyped is caught too.
        assert not paper.code_is_well_formed(
            f"VDL-{body}{symbols[(symbols.index(check) + 1) % 29]}"
        )


def test_no_symbol_to_confuse_in_handwriting() -> None:
    assert not set("01ILOUZ") & set(paper.CODE_SYMBOLS)
    assert len(paper.CODE_SYMBOLS) == 29


# --- Registration forms ------------------------------------------------------------------


def test_each_printed_form_has_its_own_stored_code(cast: Cast, client_as: ClientAs) -> None:
    text = page(
        client_as("facilitator"), reverse("paper_forms", args=[cast.territory.slug]) + "?count=3"
    )
    forms = list(PaperForm.objects.filter(territory=cast.territory))
    assert len(forms) == 3 and len({form.code for form in forms}) == 3
    for form in forms:
        assert form.code in text and paper.code_is_well_formed(form.code)
        assert form.printed_at is not None and form.used_for is None
    assert text.count('class="sheet form-sheet"') == 3


def test_printing_again_draws_new_codes(cast: Cast, client_as: ClientAs) -> None:
    client = client_as("relay")
    url = reverse("paper_forms", args=[cast.territory.slug])
    page(client, url + "?count=2")
    page(client, url + "?count=2")
    assert PaperForm.objects.values("code").distinct().count() == 4


def test_a_print_is_a_stack_not_a_print_run(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("paper_forms", args=[cast.territory.slug])
    page(client_as("facilitator"), url + "?count=5000")
    page(client_as("facilitator"), url + "?count=nonsense")
    assert PaperForm.objects.count() == paper.MAX_FORMS + 1


def test_the_form_asks_what_registration_needs(cast: Cast, client_as: ClientAs) -> None:
    speak(cast.facilitator, "en")
    text = page(client_as("facilitator"), reverse("paper_forms", args=[cast.territory.slug]))
    for words in (
        "First name",
        "Text message, phone:",
        "Post, address:",
        "Through the person who registers me",
        cast.sector.name,  # the territory's sectors
        "Tuesday",  # the weekly grid
        "up to 10 km",
        "Prefer not to say",
        "Signature:",
        "What happens to these answers",
    ):
        assert words in text, words
    asked = Criterion.objects.filter(territory=cast.territory, enabled=True, sensitive=False)
    assert asked.exists()
    with translation.override("en"):
        for criterion in asked:
            assert str(criterion.display_question) in text
            for _, label in criterion.choices():
                assert str(label) in text


def test_one_sheet_per_person_the_questions_on_the_back(cast: Cast, client_as: ClientAs) -> None:
    speak(cast.facilitator, "en")
    text = page(client_as("facilitator"), reverse("paper_forms", args=[cast.territory.slug]))
    code = PaperForm.objects.get().code
    front, back = text.split('class="sheet form-verso"')
    assert code in front and code in back  # both sides carry the code
    question = paper.printed_questions(cast.territory)[0].question
    assert str(question) in back and str(question) not in front
    assert "Signature:" in front and "Print double-sided" in text


def test_sensitive_and_disabled_questions_are_never_printed(
    cast: Cast, client_as: ClientAs
) -> None:
    speak(cast.facilitator, "en")
    hidden = (
        Criterion.objects.filter(territory=cast.territory, enabled=True)
        .exclude(sensitive=True)
        .first()
    )
    assert hidden is not None
    Criterion.objects.filter(pk=hidden.pk).update(
        enabled=False, question="A switched-off one?", catalogue_key=""
    )
    Criterion.objects.filter(territory=cast.territory, sensitive=True).update(enabled=True)
    sensitive = list(Criterion.objects.filter(territory=cast.territory, sensitive=True))
    assert sensitive
    text = page(client_as("facilitator"), reverse("paper_forms", args=[cast.territory.slug]))
    assert "A switched-off one?" not in text
    with translation.override("en"):
        for criterion in sensitive:
            assert str(criterion.display_question) not in text
            assert str(criterion.display_label) not in text
    assert [q.label for q in paper.printed_questions(cast.territory)] == [
        c.display_label
        for c in Criterion.objects.filter(territory=cast.territory, enabled=True, sensitive=False)
    ]


def test_forms_in_french_and_in_english(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("paper_forms", args=[cast.territory.slug])
    speak(cast.facilitator, "fr")
    french = page(client_as("facilitator"), url)
    assert "Formulaire d'inscription" in french and 'lang="fr"' in french
    speak(cast.facilitator, "en")
    english = page(client_as("facilitator"), url)
    assert "Registration form" in english and 'lang="en"' in english


def test_documents_link_the_print_stylesheet_and_the_print_button(
    cast: Cast, client_as: ClientAs
) -> None:
    text = page(client_as("facilitator"), reverse("paper_forms", args=[cast.territory.slug]))
    assert "css/print.css" in text and "js/print.js" in text
    assert "data-print hidden" in text  # shown by the script only: no script, no button


# --- Invitation letters ------------------------------------------------------------------


def letters_url(world: World, query: str = "") -> str:
    return reverse("paper_letters", args=[world.cast.territory.slug, world.season.pk]) + query


def test_letters_say_who_where_when_and_whom_to_call(world: World, client_as: ClientAs) -> None:
    cast = world.cast
    text = page(client_as("facilitator"), letters_url(world))
    # Alice is reached by post: her letter, her address in the window.
    assert "12 rue des Lilas" in text and "Alice" in text
    assert "Médiathèque" in text and "1 place de la Mairie" in text
    sessions = session_times(world.season, world.circle.slot)
    assert len(sessions) == 4
    with translation.override("en"):  # Alice reads English
        for session in sessions:
            assert date_filter(session.starts_at, "l j F Y, H:i") in text
    assert "Hello Alice," in text and 'lang="en"' in text
    assert settings.LEGAL_CONTACT_EMAIL in text  # nobody registered Alice: the team
    assert reverse("circle_invitation", args=[cast.territory.slug, world.circle.pk]) in text
    assert text.count('class="sheet letter"') == 1  # Bob (email) and Rémi (sms): none


def test_everyone_on_request(world: World, client_as: ClientAs) -> None:
    text = page(client_as("facilitator"), letters_url(world, "?all=1"))
    assert text.count('class="sheet letter"') == 3
    assert "Bob" in text and "Rémi" in text


def test_each_letter_speaks_its_readers_language(world: World, client_as: ClientAs) -> None:
    speak(world.cast.facilitator, "en")
    text = page(client_as("facilitator"), letters_url(world, "?all=1"))
    assert "Hello Alice," in text
    assert "Bonjour Rémi," in text  # Rémi reads French, whatever the facilitator reads
    with translation.override("fr"):
        first = session_times(world.season, world.circle.slot)[0]
        assert date_filter(first.starts_at, "l j F Y, H:i") in text


def test_a_relay_prints_the_letters_of_their_own_people_only(
    world: World, client_as: ClientAs
) -> None:
    for query in ("", "?all=1"):
        text = page(client_as("relay"), letters_url(world, query))
        assert text.count('class="sheet letter"') == 1, query
        assert "Rémi" in text and "Alice" not in text and "Bob" not in text
        assert "Rosa" in text and "+33611223344" in text  # whom Rémi calls


def test_the_relay_is_told_what_their_letters_share(world: World, client_as: ClientAs) -> None:
    speak(world.cast.relay, "en")
    text = page(client_as("relay"), letters_url(world))
    assert "Your first name and, if you gave one, your phone number are printed" in text


def test_a_relay_without_a_phone_is_named_only(world: World, client_as: ClientAs) -> None:
    User.objects.filter(pk=world.cast.relay.pk).update(phone="")
    text = page(client_as("relay"), letters_url(world))
    assert "Rosa" in text and "+336112" not in text


def test_no_letter_before_the_circles_are_published(world: World, client_as: ClientAs) -> None:
    world.season.state = SeasonState.PROPOSED
    world.season.save(update_fields=["state"])
    speak(world.cast.facilitator, "en")
    text = page(client_as("facilitator"), letters_url(world, "?all=1"))
    assert 'class="sheet letter"' not in text
    assert "once the season's circles are published" in text


# --- A circle's first session ------------------------------------------------------------


def test_the_first_session_sheet(world: World, client_as: ClientAs) -> None:
    speak(world.cast.facilitator, "en")
    url = reverse("paper_first_session", args=[world.cast.territory.slug, world.circle.pk])
    text = page(client_as("facilitator"), url)
    for name in ("Alice", "Bob", "Rémi", "Médiathèque", "1 place de la Mairie"):
        assert name in text
    assert "alice@example.org" not in text and "+33612345678" not in text  # first names only
    with translation.override("en"):
        for session in session_times(world.season, world.circle.slot):
            assert date_filter(session.starts_at, "l j F Y, H:i") in text
            assert date_filter(session.starts_at, "j/m") in text  # a column to tick
        for title, _ in PACT:
            assert str(title) in text
    assert text.count("<td>☐</td>") == (3 + 2) * 4  # members and two blank rows × sessions
    assert (
        reverse("manage_season_circles", args=[world.cast.territory.slug, world.season.pk]) in text
    )


# --- Poster ------------------------------------------------------------------------------


def test_the_poster_is_public_with_the_territorys_qr_code(cast: Cast) -> None:
    text = Client().get(reverse("paper_poster", args=[cast.territory.slug])).content.decode()
    url = f"{settings.SITE_URL.rstrip('/')}/t/{cast.territory.slug}/"
    assert paper.public_url(cast.territory) == url
    assert url in text
    # The same drawing segno makes of the same address: the code encodes the public page.
    with translation.override(settings.LANGUAGE_CODE):
        label = f"QR code of the page of {cast.territory.name}"
        expected = str(qr_svg(url, label=label))
    path = expected.split(' d="', 1)[1].split('"', 1)[0]
    assert f' d="{path}"' in text
    assert "<svg" in text and "http" not in text.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert text.count('class="poster-copy"') == 1


def test_flyers_two_on_a_page(cast: Cast) -> None:
    url = reverse("paper_poster", args=[cast.territory.slug]) + "?format=flyer"
    text = Client().get(url).content.decode()
    assert text.count('class="poster-copy"') == 2
    assert text.count("<svg") == 2


# --- Links -------------------------------------------------------------------------------


def test_the_management_pages_link_the_documents(world: World, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    slug = world.cast.territory.slug
    dashboard = page(client, reverse("manage_territory", args=[slug]))
    assert reverse("paper_forms", args=[slug]) in dashboard
    assert reverse("paper_poster", args=[slug]) in dashboard
    circles = page(client, reverse("manage_season_circles", args=[slug, world.season.pk]))
    assert reverse("paper_letters", args=[slug, world.season.pk]) in circles
    assert reverse("paper_first_session", args=[slug, world.circle.pk]) in circles


def test_nothing_printed_smaller_than_11_points() -> None:
    css = (settings.BASE_DIR / "tierslien" / "static" / "css" / "print.css").read_text()
    sizes = [float(size) for size in re.findall(r"font-size:\s*([\d.]+)pt", css)]
    assert sizes and min(sizes) >= 11
    assert not re.findall(r"font-size:\s*[\d.]+(?:px|em|rem|%)", css)  # points only
    assert "@page { size: A4" in css
