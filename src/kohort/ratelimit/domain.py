"""Rules and the subjects they count."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SubjectKind(StrEnum):
    IP = "ip"
    KEY = "key"


@dataclass(frozen=True, slots=True)
class Subject:
    kind: SubjectKind
    value: str


@dataclass(frozen=True, slots=True)
class Rule:
    """`per_ip` / `per_key` events per `period_seconds` window for each subject (0: that kind is not limited)."""

    name: str
    per_ip: int
    per_key: int
    period_seconds: int = 60

    def limit_for(self, subject: Subject) -> int:
        return self.per_ip if subject.kind == SubjectKind.IP else self.per_key

    def bucket(self, subject: Subject) -> str:
        return f"{self.name}:{subject.kind.value}:{subject.value}"


def subjects_for(*, ip: str | None, key_id: str | None = None) -> tuple[Subject, ...]:
    """Whom a request is counted against: its client's address and, when it has one, its API key."""
    found = []
    if ip:
        found.append(Subject(SubjectKind.IP, ip[:64]))
    if key_id:
        found.append(Subject(SubjectKind.KEY, key_id))
    return tuple(found)
