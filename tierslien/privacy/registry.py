"""Every model that holds data about a person, and what the export shows of it.

The export and the "my data" page are built from this list, and a test walks
every installed model: a model linked to a user (directly or through another
personal model) must be listed here, and each of its fields must be either
exported or withheld with a reason. Account deletion relies on the links
cascading from the user, which the same test checks — except the links declared
`detached`: a record that must outlive one of the people it names (a report
outlives the reported person and the facilitator who handled it) keeps its row,
the link becomes NULL (`on_delete=SET_NULL`) and the fields in `erase` are
overwritten, so nothing of the deleted person stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Detached:
    """A link to someone other than the owner, cut (not cascaded) when that account goes."""

    reason: str  # why the row outlives that person
    erase: dict[str, object] = field(default_factory=dict)  # field -> value it then takes


@dataclass(frozen=True)
class PersonalModel:
    label: str  # "app_label.ModelName"
    section: str  # key of the export
    title: str | Promise  # heading on the "my data" page
    owner: str  # lookup from this model to the user's primary key ("pk" for the user)
    exported: tuple[str, ...]  # fields or lookups ("territory__name") put in the export
    withheld: dict[str, str] = field(default_factory=dict)  # field -> why it is not exported
    detached: dict[str, Detached] = field(default_factory=dict)  # link -> how it is cut
    order_by: tuple[str, ...] = ("pk",)


PERSONAL_MODELS: tuple[PersonalModel, ...] = (
    PersonalModel(
        label="accounts.User",
        section="account",
        title=_("Account"),
        owner="pk",
        exported=(
            "email",
            "display_name",
            "language",
            "accepted_terms_version",
            "date_joined",
            "last_login",
            "is_superuser",
            "is_staff",
            "is_active",
            "reach_by",
            "phone",
            "postal_address",
        ),
        withheld={"id": "internal number", "password": "one-way hash of the password"},
    ),
    PersonalModel(
        label="account.EmailAddress",
        section="email_addresses",
        title=_("Email addresses"),
        owner="user",
        exported=("email", "verified", "primary"),
        withheld={"id": "internal number", "user": "yourself"},
    ),
    PersonalModel(
        label="account.EmailConfirmation",
        section="email_confirmations",
        title=_("Pending email confirmations"),
        owner="email_address__user",
        exported=("email_address__email", "created", "sent"),
        withheld={"id": "internal number", "key": "secret confirmation key"},
    ),
    PersonalModel(
        label="mfa.Authenticator",
        section="authenticators",
        title=_("Two-factor authentication"),
        owner="user",
        exported=("type", "created_at", "last_used_at"),
        withheld={
            "id": "internal number",
            "user": "yourself",
            "data": "secret keys and recovery codes, shown only when enrolling",
        },
    ),
    PersonalModel(
        label="accounts.Consent",
        section="consents",
        title=_("Consents"),
        owner="user",
        exported=("subject", "wording_version", "given_at", "withdrawn_at"),
        withheld={"id": "internal number", "user": "yourself"},
        order_by=("given_at", "pk"),
    ),
    PersonalModel(
        label="territories.Facilitator",
        section="facilitator_of",
        title=_("Territories you facilitate"),
        owner="user",
        exported=("territory__name", "since"),
        withheld={"id": "internal number", "user": "yourself"},
    ),
    PersonalModel(
        label="relays.Relay",
        section="relay_of",
        title=_("Territories where you are a local contact"),
        owner="user",
        exported=("territory__name", "since"),
        withheld={"id": "internal number", "user": "yourself", "given_by": "the facilitator"},
        detached={"given_by": Detached("the role stays when the facilitator who gave it leaves")},
    ),
    PersonalModel(
        label="relays.Registered",
        section="registered_by_relay",
        title=_("How you were registered by a local contact, and how you agreed"),
        owner="person",
        exported=(
            "territory__name",
            "relay__display_name",
            "agreed_how",
            "agreed_at",
            "paper_code",
            "taken_over_at",
        ),
        withheld={"id": "internal number", "person": "yourself", "relay": "exported as a name"},
        detached={
            "relay": Detached("the registered person keeps their account when the relay leaves")
        },
    ),
    PersonalModel(
        label="relays.TakeoverCode",
        section="takeover_codes",
        title=_("Codes sent to you to take over your account"),
        owner="person",
        exported=("created_at", "expires_at", "used_at", "attempts"),
        withheld={
            "id": "internal number",
            "person": "yourself",
            "code_hash": "one-way hash of the code",
        },
    ),
    PersonalModel(
        label="relays.PaperForm",
        section="paper_forms",
        title=_("The paper form you filled in"),
        owner="used_for__person",
        exported=("code", "printed_at"),
        withheld={
            "id": "internal number",
            "territory": "exported with your registration",
            "used_for": "yourself",
        },
    ),
    PersonalModel(
        label="territories.SeasonAlert",
        section="season_alerts",
        title=_("Territories where you asked to be told when a season opens"),
        owner="user",
        exported=("territory__name", "created_at"),
        withheld={
            "id": "internal number",
            "user": "yourself",
            "last_told_season": "internal number of the last season announced to you",
        },
    ),
    PersonalModel(
        label="portraits.Portrait",
        section="portraits",
        title=_("Self-portraits"),
        owner="user",
        exported=(
            "territory__name",
            "sector__name",
            "max_km",
            "availability",
            "meeting_mode",
            "accessibility_needs",
            "hopes",
            "created_at",
            "updated_at",
        ),
        withheld={"id": "internal number", "user": "yourself"},
    ),
    PersonalModel(
        label="portraits.Answer",
        section="answers",
        title=_("Answers to the self-portrait"),
        owner="portrait__user",
        exported=("portrait__territory__name", "criterion__key", "criterion__label", "value"),
        withheld={"id": "internal number"},
        order_by=("portrait_id", "criterion__position", "pk"),
    ),
    PersonalModel(
        label="admin.LogEntry",
        section="admin_actions",
        title=_("Administration actions"),
        owner="user",
        exported=(
            "action_time",
            "content_type__model",
            "object_id",
            "object_repr",
            "action_flag",
            "change_message",
        ),
        withheld={"id": "internal number", "user": "yourself"},
    ),
    PersonalModel(
        label="circles.Registration",
        section="season_registrations",
        title=_("Seasons you joined"),
        owner="user",
        exported=(
            "season__territory__name",
            "season__name",
            "availability",
            "max_km",
            "created_at",
            "updated_at",
        ),
        withheld={"id": "internal number", "user": "yourself"},
    ),
    PersonalModel(
        label="circles.Membership",
        section="circle_memberships",
        title=_("Your circles"),
        owner="user",
        exported=(
            "circle__season__territory__name",
            "circle__season__name",
            "circle__number",
            "circle__venue__name",
            "circle__slot",
            "status",
            "invited_at",
            "respond_by",
            "responded_at",
            "answered_by__display_name",
        ),
        withheld={
            "id": "internal number",
            "user": "yourself",
            "answered_by": "exported as the name of the local contact who answered for you",
        },
        detached={
            "answered_by": Detached(
                "the answer stays when the local contact who gave it leaves the platform"
            )
        },
    ),
    PersonalModel(
        label="circles.Unplaced",
        section="circles_unplaced",
        title=_("Seasons where no circle could take you"),
        owner="user",
        exported=(
            "season__territory__name",
            "season__name",
            "code",
            "params",
            "message",
            "answered_by__display_name",
        ),
        withheld={
            "id": "internal number",
            "user": "yourself",
            "answered_by": "exported as the name of the local contact who answered for you",
        },
        detached={
            "answered_by": Detached(
                "the answer stays when the local contact who gave it leaves the platform"
            )
        },
    ),
    PersonalModel(
        label="gatherings.Attendee",
        section="evening_attendances",
        title=_("Discovery evenings you checked in to"),
        owner="user",
        exported=(
            "evening__territory__name",
            "evening__starts_at",
            "first_name",
            "email",
            "answers",
            "checked_in_at",
            "came",
            "invited_at",
        ),
        withheld={"id": "internal number", "user": "yourself", "evening": "exported as its date"},
    ),
    PersonalModel(
        label="gatherings.Companion",
        section="evening_companions",
        title=_("Who you came with to a discovery evening"),
        owner="attendee__user",
        exported=("attendee__evening__starts_at", "other__first_name", "together"),
        withheld={"id": "internal number", "attendee": "yourself"},
    ),
    PersonalModel(
        label="gatherings.DoorCodeMiss",
        section="evening_door_code_misses",
        title=_("Wrong codes you typed to check in to a discovery evening"),
        owner="user",
        exported=("evening__territory__name", "evening__starts_at", "misses"),
        withheld={"id": "internal number", "user": "yourself"},
    ),
    PersonalModel(
        label="gatherings.Seat",
        section="evening_seats",
        title=_("Your tables at discovery evenings"),
        owner="attendee__user",
        exported=("evening__starts_at", "round", "table"),
        withheld={"id": "internal number", "attendee": "yourself"},
        order_by=("evening_id", "round"),
    ),
    PersonalModel(
        label="gatherings.Application",
        section="meeting_applications",
        title=_("Your applications to themed meetings"),
        owner="user",
        exported=(
            "meeting__territory__name",
            "meeting__theme",
            "meeting__starts_at",
            "pseudonym",
            "answers",
            "entry_salt",
            "answered_on_the_spot",
            "status",
            "probability",
            "waitlist_rank",
            "applied_at",
            "selected_at",
            "confirm_by",
            "confirmed_at",
            "declined_at",
            "reminded_at",
            "reminder_sent",
            "checked_in_at",
            "answered_by__display_name",
        ),
        withheld={
            "id": "internal number",
            "user": "yourself",
            "meeting": "exported as its theme",
            "answered_by": "exported as the name of the local contact who answered for you",
        },
        detached={
            "answered_by": Detached(
                "the answer stays when the local contact who gave it leaves the platform"
            )
        },
    ),
    PersonalModel(
        label="gatherings.TableSeat",
        section="meeting_tables",
        title=_("Your tables at themed meetings"),
        owner="application__user",
        exported=("meeting__theme", "rotation", "table"),
        withheld={
            "id": "internal number",
            "application": "yourself",
            "contributor": "empty for your seats",
        },
        order_by=("meeting_id", "rotation"),
    ),
    PersonalModel(
        label="spaces.PactAcceptance",
        section="circle_pacts",
        title=_("Circle pacts you accepted"),
        owner="user",
        exported=("circle__season__name", "circle__number", "accepted_at"),
        withheld={"id": "internal number", "user": "yourself"},
    ),
    PersonalModel(
        label="spaces.Introduction",
        section="circle_introductions",
        title=_("Your introductions to your circles"),
        owner="user",
        exported=("circle__season__name", "circle__number", "text", "updated_at"),
        withheld={"id": "internal number", "user": "yourself"},
    ),
    PersonalModel(
        label="spaces.Attendance",
        section="circle_attendances",
        title=_("Your answers about circle sessions"),
        owner="user",
        exported=("circle__season__name", "circle__number", "session", "answer", "updated_at"),
        withheld={"id": "internal number", "user": "yourself"},
        order_by=("circle_id", "session"),
    ),
    PersonalModel(
        label="spaces.Presence",
        section="circle_presences",
        title=_("Whether you came to circle sessions"),
        owner="user",
        exported=(
            "circle__season__name",
            "circle__number",
            "session",
            "came",
            "recorded_by",
            "recorded_at",
        ),
        withheld={"id": "internal number", "user": "yourself"},
        order_by=("circle_id", "session"),
    ),
    PersonalModel(
        label="spaces.CalendarToken",
        section="circle_calendar_addresses",
        title=_("Private calendar addresses of your circles"),
        owner="user",
        exported=("circle__season__name", "circle__number", "created_at"),
        withheld={
            "id": "internal number",
            "user": "yourself",
            "token": "secret part of the address, shown on the circle's sessions page",
        },
    ),
    PersonalModel(
        label="spaces.Message",
        section="circle_messages",
        title=_("Your messages in your circles"),
        owner="author",
        exported=("circle__season__name", "circle__number", "text", "created_at", "edited_at"),
        withheld={"id": "internal number", "author": "yourself"},
        order_by=("created_at", "pk"),
    ),
    PersonalModel(
        label="spaces.AidPost",
        section="circle_aid_posts",
        title=_("Your projects and needs in your circles"),
        owner="author",
        exported=(
            "circle__season__name",
            "circle__number",
            "kind",
            "title",
            "text",
            "created_at",
            "resolved_at",
        ),
        withheld={"id": "internal number", "author": "yourself"},
        order_by=("created_at", "pk"),
    ),
    PersonalModel(
        label="spaces.AidOffer",
        section="circle_aid_offers",
        title=_("Your offers of help in your circles"),
        owner="author",
        exported=("post__circle__season__name", "post__title", "text", "created_at"),
        withheld={"id": "internal number", "author": "yourself"},
        order_by=("created_at", "pk"),
    ),
    PersonalModel(
        label="moderation.Block",
        section="blocks",
        title=_("People you blocked"),
        owner="blocker",
        exported=("blocked__display_name", "created_at"),
        withheld={
            "id": "internal number",
            "blocker": "yourself",
        },
    ),
    PersonalModel(
        label="moderation.Report",
        section="reports",
        title=_("Your reports to a facilitator"),
        owner="reporter",
        exported=(
            "circle__season__name",
            "circle__number",
            "reported__display_name",
            "message_id",
            "message_text",
            "reason",
            "state",
            "created_at",
            "handled_at",
        ),
        withheld={
            "id": "internal number",
            "reporter": "yourself",
            "handled_by": "the facilitator's account",
            "reported_deleted": "whether the reported person deleted their account",
        },
        detached={
            "reported": Detached(
                "the territory keeps the report; the reported person's copied message goes",
                erase={"reported_deleted": True, "message_id": None, "message_text": ""},
            ),
            "handled_by": Detached("the territory keeps the report and that it was handled"),
        },
    ),
    PersonalModel(
        label="moderation.Removal",
        section="removals",
        title=_("Circles you were removed from"),
        owner="user",
        exported=("circle__season__name", "circle__number", "removed_at", "note"),
        withheld={
            "id": "internal number",
            "user": "yourself",
            "removed_by": "the facilitator's account",
        },
        detached={"removed_by": Detached("the circle keeps the record of the removal")},
    ),
    PersonalModel(
        label="feedback.FeedbackGiven",
        section="feedback_given",
        title=_("Seasons whose feedback form you answered (not your answers: they are anonymous)"),
        owner="user",
        exported=("season__territory__name", "season__name"),
        withheld={"id": "internal number", "user": "yourself"},
    ),
    PersonalModel(
        label="feedback.KeepInTouch",
        section="keep_in_touch",
        title=_("People you would like to see again"),
        owner="from_user",
        exported=("circle__season__name", "circle__number", "to_user__display_name"),
        withheld={"id": "internal number", "from_user": "yourself"},
    ),
    PersonalModel(
        label="outbox.Message",
        section="messages",
        title=_("Messages we sent you"),
        owner="user",
        exported=("channel", "recipient", "subject", "state", "created_at", "sent_at"),
        withheld={
            "id": "internal number",
            "user": "yourself",
            "body": "the message itself, which you received (erased after 30 days)",
            "attachments": "the calendar files sent with it (erased after 30 days)",
            "alternatives": "other renderings of the same message",
            "headers": "technical email headers",
            "sender": "the platform's own address",
            "language": "the language of your account, exported with it",
            "topic": "internal reference of the season or meeting it is about",
            "territory": "the territory whose facilitators print it, when it is a letter",
            "urgent": "internal sending priority",
            "message_id": "technical identifier of the email",
            "attempts": "internal delivery bookkeeping",
            "next_attempt_at": "internal delivery bookkeeping",
            "claim": "internal delivery bookkeeping",
            "lease_until": "internal delivery bookkeeping",
            "last_error": "the mail server's technical answer",
            "erased_at": "when the message's contents were erased",
        },
        order_by=("created_at", "pk"),
    ),
    PersonalModel(
        label="potential.SeasonAnalysis",
        section="season_analyses",
        title=_("Analyses of a season's mixing you asked for"),
        owner="requested_by",
        exported=("season__name", "kind", "created_at", "finished_at"),
        withheld={
            "id": "internal number",
            "season": "exported by its name",
            "requested_by": "yourself",
            "params": "the place evaluated, a point on the map (no person in it)",
            "result": "figures about the whole season (no person in it)",
            "applied": "the venue opened at another time, and the figures predicted",
            "started_at": "internal job bookkeeping",
            "job_state": "internal job bookkeeping",
            "job_progress": "internal job bookkeeping",
            "job_error": "internal job bookkeeping",
            "job_attempt": "internal job bookkeeping",
            "job_retries": "internal job bookkeeping",
            "job_heartbeat_at": "internal job bookkeeping",
        },
    ),
)
