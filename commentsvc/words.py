"""The editable sensitive-word list (敏感词) and the matcher built from it, rebuilt only when the list changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .errors import NotFound, ValidationError
from .models import SensitiveWord, WordAction
from .wordfilter import WordMatcher, fold_word, parse_word_list

MAX_WORD_LENGTH = 128
ACTIONS = tuple(action.value for action in WordAction)

# One matcher per database, with the fingerprint of the list it was built from. Every process checks
# the fingerprint (one aggregate query) before using its matcher, so a change made through any app
# server is seen by all of them; this is a cache, never a source of truth.
_matchers: dict[str, tuple[tuple[object, ...], WordMatcher]] = {}


def _check_action(action: str) -> str:
    if action not in ACTIONS:
        raise ValidationError("The action must be reject, hold or mask.", code="word_action_invalid",
                              fields={"action": "reject, hold or mask"})
    return action


def _check_word(raw: str) -> str:
    word = raw.strip()
    if not word or len(word) > MAX_WORD_LENGTH:
        raise ValidationError(f"A word is 1 to {MAX_WORD_LENGTH} characters.", code="word_invalid",
                              fields={"word": "invalid"})
    if not fold_word(word):
        raise ValidationError("A word needs at least one letter or digit.", code="word_invalid",
                              fields={"word": "no letters or digits"})
    return word


def add_word(session: Session, *, word: str, action: str, now: datetime) -> SensitiveWord:
    """Adding a listed word again changes its action."""
    word = _check_word(word)
    action = _check_action(action)
    existing = session.scalars(select(SensitiveWord).where(SensitiveWord.word == word)).first()
    if existing is not None:
        existing.action = action
        session.flush()
        return existing
    entry = SensitiveWord(word=word, action=action, created_at=now)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    skipped: list[str]


def import_words(session: Session, raw: str, *, action: str, now: datetime) -> ImportResult:
    """One word per line; existing words take the new action, unusable lines are reported back."""
    action = _check_action(action)
    words = parse_word_list(raw)
    existing = {entry.word: entry for entry in session.scalars(select(SensitiveWord))}
    added = updated = 0
    skipped: list[str] = []
    for raw_word in words:
        try:
            word = _check_word(raw_word)
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
    session.flush()
    return ImportResult(added, updated, skipped)


def delete_word(session: Session, word_id: int) -> SensitiveWord:
    entry = session.get(SensitiveWord, word_id)
    if entry is None:
        raise NotFound(f"Word {word_id} does not exist.", code="word_not_found")
    session.delete(entry)
    session.flush()
    return entry


def list_words(session: Session, *, search: str = "", limit: int = 200, offset: int = 0) -> tuple[list[SensitiveWord], int]:
    query = select(SensitiveWord)
    if search:
        query = query.where(SensitiveWord.word.contains(search, autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(SensitiveWord.id.desc()).limit(limit).offset(offset)))
    return rows, total


_ACTION_CODE = case((SensitiveWord.action == WordAction.REJECT.value, 1),
                    (SensitiveWord.action == WordAction.HOLD.value, 2), else_=3)
# Built once: every post asks, and building a statement costs more than running it.
_FINGERPRINT = select(
    func.count(), func.max(SensitiveWord.id), func.max(SensitiveWord.created_at),
    func.sum(SensitiveWord.id * _ACTION_CODE), func.sum(SensitiveWord.id * func.length(SensitiveWord.word)),
)


def _fingerprint(session: Session) -> tuple[object, ...]:
    """Changes whenever a word is added, removed or changes action (ids are never reused while rows remain)."""
    return tuple(str(value) for value in session.execute(_FINGERPRINT).one())


def current_matcher(session: Session) -> WordMatcher:
    """The matcher for the list as it is in the database now."""
    bind = session.get_bind()
    key = bind.url.render_as_string(hide_password=True)
    fingerprint = _fingerprint(session)
    cached = _matchers.get(key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    matcher = WordMatcher(session.execute(select(SensitiveWord.word, SensitiveWord.action)).all())
    _matchers[key] = (fingerprint, matcher)
    return matcher
