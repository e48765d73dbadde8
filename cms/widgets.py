"""What the admin's forms accept: strict day-first dates and ASCII slugs.

Registered for every model form of the Wagtail admin in ``cms.wagtail_hooks``
(pages, snippets, model viewsets), so there is one rule, not one per field.

Dates. Wagtail's picker (xdsoft datetimepicker) re-reads the text on blur
(``validateOnBlur``) through JavaScript's ``Date``, which rolls 31/02/2022 over
to 03/03/2022 and replaces text it cannot parse ("2024-01-01", "ngày 15 tháng 6
năm 2022") with today, before the server ever sees it. The widget templates
(cms/templates/wagtailadmin/widgets/date_input.html, datetime_input.html, which
every admin date widget renders, Wagtail's go-live dialog included) tell the
picker to leave the text alone; the fields here accept ``dd/mm/yyyy`` only
(Django adds ISO formats to every locale's DATE_INPUT_FORMATS, so the field
names its own) and say what is wrong in Vietnamese.

Slugs. ``WAGTAIL_ALLOW_UNICODE_SLUGS = False`` makes the admin's script
transliterate, but its tables have no Vietnamese and it drops "/": "Thông tư số
05/2024/TT-BTTTT" came out as "thng-t-s-052024tt-btttt". The slug widget's
formatters (regular expressions the script applies first) fold Vietnamese
letters and turn "/" into "-"; ``slug_for`` is the same rule on the server.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import BaseTemporalField
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import SlugInput

from core.text import fold

DATE_INPUT_FORMAT = "%d/%m/%Y"
DATETIME_INPUT_FORMAT = "%d/%m/%Y %H:%M"
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


class DayFirstDateField(forms.DateField):
    """``dd/mm/yyyy`` and nothing else; an impossible day is named, never rolled over."""

    default_error_messages = {
        "invalid": _("Enter the date as dd/mm/yyyy, for example 15/06/2022."),
        "no_such_day": _("%(value)s is not a day of the calendar: check the day and the month."),
    }

    def __init__(self, **kwargs):
        kwargs["input_formats"] = [DATE_INPUT_FORMAT]
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and (match := _DAY_FIRST.match(value)):
            day, month, year = (int(part) for part in match.groups())
            try:
                datetime.date(year, month, day)
            except ValueError:
                raise ValidationError(
                    self.error_messages["no_such_day"], code="no_such_day", params={"value": value.strip()}
                ) from None
        return super().to_python(value)


class DayFirstDateTimeField(forms.DateTimeField):
    """``dd/mm/yyyy hh:mm`` and nothing else (go-live and expiry of pages)."""

    default_error_messages = {
        "invalid": _("Enter the date and time as dd/mm/yyyy hh:mm, for example 15/06/2022 08:30."),
    }

    def __init__(self, **kwargs):
        kwargs["input_formats"] = [DATETIME_INPUT_FORMAT]
        super().__init__(**kwargs)

    def to_python(self, value):
        # forms.DateTimeField tries ISO 8601 before input_formats; skip to the
        # plain temporal parsing, which reads input_formats only.
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return super().to_python(value)
        result = BaseTemporalField.to_python(self, value)
        return super().to_python(result)


# --- Slugs ----------------------------------------------------------------------


def _folding_classes() -> list[tuple[str, str]]:
    """A character class per plain letter, of every accented letter folding to it."""
    by_base: dict[str, list[str]] = {}
    for codepoint in [*range(0xC0, 0x250), *range(0x1EA0, 0x1EFA)]:
        char = chr(codepoint)
        base = fold(char)
        if unicodedata.category(char).startswith("L") and base != char.casefold() and len(base) == 1 and base.isascii():
            by_base.setdefault(base, []).append(char)
    return [(f"[{''.join(chars)}]", base) for base, chars in sorted(by_base.items())]


# Applied in order, by the admin's script and by slug_for. Replacements are
# plain text (JavaScript and Python spell group references differently).
SLUG_FORMATTERS: list[tuple[str, str]] = [
    # "số 05/2024" is "no. 05/2024": the number says it.
    (r"(?<!\S)[Ss][oOốỐ][\u0300-\u036f]*\s+(?=\d)", ""),
    *_folding_classes(),
    (r"[\u0300-\u036f]", ""),  # combining accents of text typed decomposed
    (r"[/.,:;]+", "-"),
]


def slug_for(title: str) -> str:
    """The slug the admin suggests for ``title``: ASCII, numbers kept readable."""
    text = title
    for pattern, replacement in SLUG_FORMATTERS:
        text = re.sub(pattern, replacement, text)
    return slugify(text)[:255].strip("-")


def slug_input() -> SlugInput:
    return SlugInput(formatters=SLUG_FORMATTERS)
