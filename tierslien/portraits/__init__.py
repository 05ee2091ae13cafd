"""Self-portraits: what the mixing knows about a person in one territory.

Decisions worth knowing before changing this app:

- A portrait is always `request.user`'s own (`access.get_own_portrait`); no URL
  carries a person's id. Saving it the first time is joining the territory.
- "Prefer not to say" is the absence of an `Answer` row (an empty choice, a
  blank number, no box ticked).
- Sensitive questions carry a consent box beside them. An answer posted
  without the box ticked (and without an active consent) is refused; a consent
  is recorded only together with an answer; `services.save_portrait` refuses to
  store a sensitive answer without an active consent whatever the form says.
  Consents are per question key (`Consent.question_subject(key)`): catalogue
  keys are shared by all territories, custom keys start with `t<territory id>-`
  so a consent never carries over to another territory's own question.
  `services.withdraw_sensitive_consent` stamps the consent and erases the
  answers to that key in all the person's territories, in one transaction.
- Facilitators may enable, disable and reweight every criterion. Catalogue
  criteria keep their wording, kind, goal and options (they may be made
  sensitive, never un-made if the catalogue says so). Custom criteria are
  editable except that, once answered, their kind cannot change, options
  cannot be removed and a numeric range cannot narrow: the form refuses with
  a clear error. Flagging a criterion sensitive erases the answers given
  without consent, and says so.
- Disabling a criterion keeps its answers (the portrait page lists them apart).
- `describe.py` turns a portrait into plain-words lines without querying;
  `access.describe_own_portrait` loads what it needs.
"""
