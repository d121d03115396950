"""The one templated-email helper: ``emails/<template>_subject.txt``, ``.txt`` and ``.html``."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render_email(*, template, context):
    """(subject, text, html) for ``template`` with ``base_url`` added to the context."""
    context = {"base_url": settings.PORTAL_BASE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    return subject, text, html


def build_message(*, to, subject, text, html=""):
    message = EmailMultiAlternatives(subject, text, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    return message
