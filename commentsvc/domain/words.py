"""The editable sensitive-word list (敏感词); rules.py keeps the matcher built from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..models import SensitiveWord, WordAction
from ..text.wordfilter import parse_word_list
from .screening_lists import lists_changed
from .submission import normalise_word, normalise_word_action

ACTIONS = tuple(action.value for action in WordAction)


def add_word(session: Session, *, word: str, action: str, now: datetime) -> SensitiveWord:
    """Adding a listed word again changes its action."""
    word = normalise_word(word)
    action = normalise_word_action(action)
    existing = session.scalars(select(SensitiveWord).where(SensitiveWord.word == word)).first()
    if existing is not None:
        existing.action = action
        entry = existing
    else:
        entry = SensitiveWord(word=word, action=action, created_at=now)
        session.add(entry)
    lists_changed(session)
    session.flush()
    return entry


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    skipped: list[str]


def import_words(session: Session, raw: str, *, action: str, now: datetime) -> ImportResult:
    """One word per line; existing words take the new action, unusable lines are reported back."""
    action = normalise_word_action(action)
    words = parse_word_list(raw)
    existing = {entry.word: entry for entry in session.scalars(select(SensitiveWord))}
    added = updated = 0
    skipped: list[str] = []
    for raw_word in words:
        try:
            word = normalise_word(raw_word)
        except ValidationError:
            skipped.append(raw_word)
            continue
        entry = existing.get(word)
        if entry is None:
            entry = SensitiveWord(word=word, action=action, created_at=now)
            session.add(entry)
            existing[word] = entry
            added += 1
        elif entry.action != action:
            entry.action = action
            updated += 1
    if added or updated:
        lists_changed(session)
    session.flush()
    return ImportResult(added, updated, skipped)


def delete_word(session: Session, word_id: int) -> SensitiveWord:
    entry = session.get(SensitiveWord, word_id)
    if entry is None:
        raise NotFound(f"Word {word_id} does not exist.", code="word_not_found")
    session.delete(entry)
    lists_changed(session)
    session.flush()
    return entry


def list_words(
    session: Session, *, search: str = "", limit: int = 200, offset: int = 0
) -> tuple[list[SensitiveWord], int]:
    query = select(SensitiveWord)
    if search:
        query = query.where(SensitiveWord.word.contains(search, autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(SensitiveWord.id.desc()).limit(limit).offset(offset)))
    return rows, total
