"""Dimension tags (the six dimensions of the default standard, domain.md §6.4)."""

from django.utils.translation import get_language

from ..default_edition import DIMENSIONS

CODES = [code for code, *_rest in DIMENSIONS]
NAMES = {code: (name, name_en) for code, name, name_en, *_rest in DIMENSIONS}


def label(code):
    names = NAMES.get(code)
    if names is None:
        return code
    return names[1] if (get_language() or "").startswith("en") else names[0]


def choices():
    return [(code, label(code)) for code in CODES]


def labels(codes):
    return [label(code) for code in codes]
