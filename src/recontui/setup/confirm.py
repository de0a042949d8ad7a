"""The typed confirmation of an irreversible setting (only approved bills, one-way
transactions, summarised journal entries): the words, whatever their spacing and case."""

from __future__ import annotations


def said_the_words(typed: str, words: str) -> bool:
    """Whether ``typed`` is ``words`` (spaces collapsed, case folded)."""
    return " ".join(typed.split()).casefold() == words.casefold()
