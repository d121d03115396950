"""Shared helpers for services and views: the form -> service -> error flow and model_update.

``run_form`` is the one way a view runs a service from a form: on a valid POST it calls the
service; a ValidationError the service raises lands on the form (on the named field when the
error is keyed by a form field, otherwise as a non-field error), so the page redraws with the
Chinese message instead of a 500.

``model_update`` is the one way services change fields of an instance (HackSoft style).
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError


class NotDone:
    """``run_form`` returns this when the page must be drawn (again)."""

    def __bool__(self):
        return False


NOT_DONE = NotDone()


def error_messages(error: ValidationError) -> list[str]:
    """Flat list of the messages of a ValidationError (dict, list or single)."""
    return list(error.messages)


def add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def run_form(
    request,
    form,
    service_call: Callable[[dict], Any],
    *,
    extra_valid: bool | Callable[[], bool] = True,
    on_error: Callable[[ValidationError], None] | None = None,
):
    """On a valid POST return ``service_call(form.cleaned_data)``; otherwise (GET, invalid
    form, or the service refused with ValidationError, now shown on the form) ``NOT_DONE``.

    ``extra_valid`` (a bool, or a callable asked only once the form is valid, e.g. a formset's
    ``is_valid``) must hold too. ``on_error`` receives the service's ValidationError instead of
    the form (pages that show refusals as flash messages and redirect)."""
    if request.method != "POST" or not form.is_valid():
        return NOT_DONE
    if not (extra_valid() if callable(extra_valid) else extra_valid):
        return NOT_DONE
    try:
        return service_call(form.cleaned_data)
    except ValidationError as error:
        if on_error is not None:
            on_error(error)
        else:
            add_errors(form, error)
        return NOT_DONE


def model_update(*, instance, fields: Iterable[str], data: dict, save: bool = True, exclude=()):
    """Set those of ``fields`` present in ``data`` on ``instance``; full_clean (minus
    ``exclude``) and save only the changed ones. Returns (instance, changed: bool)."""
    changed = []
    for field in fields:
        if field in data and getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    if changed and save:
        instance.full_clean(exclude=list(exclude) or None)
        update_fields = [*changed]
        if any(f.name == "updated_at" for f in instance._meta.fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return instance, bool(changed)
