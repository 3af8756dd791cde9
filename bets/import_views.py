"""The bets import page (``/bets/import/``): a CSV file up, a report back (``bets.imports``)."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bets.imports import ImportRefused, TooManyLines, import_bets
from web.http import PageRequest

MAX_BYTES = 5 * 1024 * 1024
# Each line is a bet placed through the service (a few milliseconds): a larger file is the command's.
MAX_LINES = 2_000


def _zones() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(zoneinfo.available_timezones())]


class ImportForm(forms.Form):
    file_name = "file"  # the uploaded file's, once it is cleaned
    file = forms.FileField(label="CSV file", help_text="The bets export's layout, or the generic one below.")
    time_zone = forms.ChoiceField(choices=_zones, help_text="Of the times in the file written without an offset.")
    dry_run = forms.BooleanField(required=False, label="Check only: write nothing")

    def clean_file(self) -> str:
        """The file's text: UTF-8 (a BOM allowed), at most MAX_BYTES."""
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(f"{upload.size:,} bytes; at most {MAX_BYTES:,} at once")
        self.file_name = upload.name or "file"
        content: bytes = upload.read()
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(f"not UTF-8 text (byte {exc.start:,} is {content[exc.start]:#04x})") from None

    def clean_time_zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.cleaned_data["time_zone"])


def bet_import(request: PageRequest) -> HttpResponse:
    """GET: the form and the layout; POST: the file imported (all lines or none) and its report."""
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = import_bets(
                    text=form.cleaned_data["file"],
                    name=form.file_name,
                    user=request.user,
                    via="form",
                    zone=form.cleaned_data["time_zone"],
                    dry_run=form.cleaned_data["dry_run"],
                    max_lines=MAX_LINES,
                )
            except TooManyLines as exc:
                form.add_error("file", f"{exc}: manage.py import_bets takes more")
            except ImportRefused as exc:
                form.add_error("file", str(exc))
    else:
        form = ImportForm(initial={"time_zone": timezone.get_current_timezone_name()})
    return render(request, "bets/import.html", {"form": form, "report": report})
