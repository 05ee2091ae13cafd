"""Every write about seasons and their circles, one module per thing a person does.

- `season`: create and change a season, join and leave it, start or stop its composition,
  send a proposal back, an online circle's meeting link.
- `compose`: the composition itself, in the background (and its recovery).
- `review`: change a proposal (move, swap, place, lock) within the rules it keeps.
- `publish`: publish, answer an invitation, free and refill seats, the season's clock.
- `late`: offer a seat after publication to someone waiting.
- `invitations`: a member's invitation email and the write that sends it.
- `_seats`: the one write that gives a person a seat after publication (`late` and
  `publish.refill` both use it); `_queue`: the one way an action starts a task.

A refused action raises a `lib.refusals.Refused` carrying the sentence a person reads;
nothing was changed. Views import the actions from here.
"""

from __future__ import annotations

from tierslien.circles.actions.compose import recover_stalled_jobs
from tierslien.circles.actions.invitations import render_invitation, topic
from tierslien.circles.actions.late import NoSeat, NotPlaceable, NotWaiting, place_waiting
from tierslien.circles.actions.publish import (
    CannotPublish,
    CannotStart,
    NotInvited,
    advance_seasons,
    answer_invitation,
    close_season,
    expire_invitations,
    preview_publication,
    publish_season,
    start_season,
)
from tierslien.circles.actions.review import (
    BreaksRules,
    CircleLocked,
    NotProposed,
    NotUnplaced,
    ReviewError,
    SameCircle,
    load,
    move_member,
    place_person,
    set_locked,
    swap_members,
)
from tierslien.circles.actions.season import (
    CannotCompose,
    CannotRecompose,
    CannotReopen,
    JobAlive,
    NoPortrait,
    NotComposing,
    NotOnline,
    SeasonNotOpen,
    TooFewPeople,
    cancel_composition,
    create_season,
    join_season,
    late_registration_is_open,
    leave_season,
    own_portrait,
    questionnaire_in_use,
    registration_is_open,
    reopen_season,
    retry_composition,
    set_meeting_link,
    start_completion,
    start_composition,
    start_recomposition,
    update_season,
)

__all__ = [
    "BreaksRules",
    "CannotCompose",
    "CannotPublish",
    "CannotRecompose",
    "CannotReopen",
    "CannotStart",
    "CircleLocked",
    "JobAlive",
    "NoPortrait",
    "NoSeat",
    "NotComposing",
    "NotInvited",
    "NotOnline",
    "NotPlaceable",
    "NotProposed",
    "NotUnplaced",
    "NotWaiting",
    "ReviewError",
    "SameCircle",
    "SeasonNotOpen",
    "TooFewPeople",
    "advance_seasons",
    "answer_invitation",
    "cancel_composition",
    "close_season",
    "create_season",
    "expire_invitations",
    "join_season",
    "late_registration_is_open",
    "leave_season",
    "load",
    "move_member",
    "own_portrait",
    "place_person",
    "place_waiting",
    "preview_publication",
    "publish_season",
    "questionnaire_in_use",
    "recover_stalled_jobs",
    "registration_is_open",
    "render_invitation",
    "reopen_season",
    "retry_composition",
    "set_locked",
    "set_meeting_link",
    "start_completion",
    "start_composition",
    "start_recomposition",
    "start_season",
    "swap_members",
    "topic",
    "update_season",
]
