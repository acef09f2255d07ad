"""The card parser: a pure package (no Django) that turns documents into typed facts."""

from catalog.cards.facts import ParsedDocument, ParseError
from catalog.cards.parser import parse_document

__all__ = ["ParseError", "ParsedDocument", "parse_document"]
