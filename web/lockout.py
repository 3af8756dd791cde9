"""What a login page answers once django-axes has locked an account out from an address."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_lockout_message
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The login page that was answered (ours or the admin's) with the lockout as its form's only error.

    Axes calls this after the view has run: the view's response still carries its template and
    context, so the page keeps its own look and the username typed; 429 Too Many Requests.
    """
    message = get_lockout_message()
    status = settings.AXES_HTTP_RESPONSE_CODE
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if not isinstance(original_response, SimpleTemplateResponse) or not isinstance(form, AuthenticationForm):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    form.errors.clear()  # not "wrong password": while locked out, the right one is refused too
    form.add_error(None, ValidationError(message, code="locked_out"))
    template = original_response.resolve_template(original_response.template_name)
    return HttpResponse(template.render(context, request), status=status)
