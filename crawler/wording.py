"""English wording shared by every report a person reads (digest, health reasons, relevance explanations)."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """ "1 item", "2 items", "0 items"; `plural_form` for irregular nouns ("1 story", "3 stories")."""
    return f"{count} {noun}" if count == 1 else f"{count} {plural_form or noun + 's'}"


def agree(count: int, singular_verb: str, plural_verb: str) -> str:
    """The verb form that agrees with a count: agree(1, "names", "name") -> "names"."""
    return singular_verb if count == 1 else plural_verb
