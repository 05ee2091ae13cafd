"""A grouping (JSON v1 "Solution") and the reasons people were left unplaced."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierslien.mixing.problem import ProblemError

ReasonParam = str | int | float | list[str]


@dataclass(frozen=True)
class Reason:
    """Why someone is unplaced: a stable machine `code` with `params` (for the web
    application to translate) and an English `message` a facilitator can act on."""

    code: str
    message: str
    params: Mapping[str, ReasonParam] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "message": self.message}


@dataclass(frozen=True)
class Group:
    members: tuple[str, ...]
    venue: str | None = None
    slot: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"members": list(self.members)}
        if self.venue is not None:
            out["venue"] = self.venue
        if self.slot is not None:
            out["slot"] = self.slot
        return out


@dataclass(frozen=True)
class Round:
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class Unplaced:
    id: str
    round: int
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "round": self.round,
            "reason": self.reason.message,
            "code": self.reason.code,
            "params": dict(self.reason.params),
        }


@dataclass(frozen=True)
class Solution:
    rounds: tuple[Round, ...]
    unplaced: tuple[Unplaced, ...] = ()

    def to_dict(self, report: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {
            "version": 1,
            "rounds": [{"groups": [g.to_dict() for g in r.groups]} for r in self.rounds],
            "unplaced": [u.to_dict() for u in self.unplaced],
            "report": dict(report or {}),
        }

    @classmethod
    def from_dict(cls, data: object) -> Solution:
        """Read a JSON v1 solution (e.g. a previous grouping to update)."""
        if not isinstance(data, dict) or not isinstance(data.get("rounds"), list):
            raise ProblemError('a solution must be an object with a "rounds" list')
        rounds = []
        for r, raw_round in enumerate(data["rounds"]):
            if not isinstance(raw_round, dict) or not isinstance(raw_round.get("groups"), list):
                raise ProblemError('expected {"groups": [...]}', where=f"rounds[{r}]")
            groups = []
            for k, raw in enumerate(raw_round["groups"]):
                where = f"rounds[{r}].groups[{k}]"
                if not isinstance(raw, dict) or not isinstance(raw.get("members"), list):
                    raise ProblemError('expected {"members": [...]}', where=where)
                venue, slot = raw.get("venue"), raw.get("slot")
                groups.append(
                    Group(
                        members=tuple(str(m) for m in raw["members"]),
                        venue=str(venue) if venue is not None else None,
                        slot=str(slot) if slot is not None else None,
                    )
                )
            rounds.append(Round(groups=tuple(groups)))
        unplaced = []
        for raw in data.get("unplaced") or []:
            if isinstance(raw, dict) and "id" in raw:
                reason = Reason(
                    code=str(raw.get("code", "unknown")),
                    message=str(raw.get("reason", "")),
                    params=raw.get("params") or {},
                )
                unplaced.append(Unplaced(str(raw["id"]), int(raw.get("round", 0)), reason))
        return cls(rounds=tuple(rounds), unplaced=tuple(unplaced))

    @classmethod
    def from_json(cls, path: str | Path) -> Solution:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise ProblemError(f"cannot read the file: {error.strerror}", where=str(path)) from None
        except json.JSONDecodeError as error:
            raise ProblemError(f"not valid JSON (line {error.lineno})", where=str(path)) from None
        return cls.from_dict(data)
