"""Form widgets for long lists."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

_SELECTED = mark_safe(" selected")


class PlainSelect(forms.Select):
    """A select whose options are written in one pass instead of one template each.

    Django renders every option through its own template, which costs about
    40 µs an option: a picker of a national unit tree (hundreds of units)
    cost more than the report beside it. Flat choices only (no groups).
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, _SELECTED if str(key) in chosen else "", label) for key, label in self.choices),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )
