"""One way to refuse an action: a service raises a `Refused` that carries the sentence a
person reads; the view shows it with `lib.http.tell_refusal`. Nothing was changed."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Refused(Exception):
    """An action refused before it changed anything.

    Subclasses set `message` (a lazy translation, `%(name)s` placeholders filled from the
    keyword arguments); a raise site may pass a more precise `message` of its own.
    """

    message: ClassVar[str | Promise] = _("This cannot be done now: nothing was changed.")

    def __init__(self, message: str | Promise | None = None, **params: Any) -> None:
        self.text = message if message is not None else self.message
        self.params = params
        super().__init__(str(self.text))

    def sentence(self) -> str:
        """The message in the active language, placeholders filled."""
        text = str(self.text)
        return text % self.params if self.params else text
