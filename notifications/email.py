"""The one templated-email helper: ``emails/<template>_subject.txt``, ``.txt`` and ``.html``."""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.utils.html import escape


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


class NoticeMailRenderer:
    """The notice email (``emails/notice_*``) for many recipients, rendering its templates once
    per shape (body / link / acknowledgement present or not) instead of once per recipient.

    The templates are rendered with markers in place of the recipient's name, the title, the
    body and the link; each recipient's mail is the skeleton with the markers replaced (in one
    pass) by the values escaped exactly as the templates escape them. ``render`` returns what
    ``render_email(template="notice", …)`` returns for the same values.
    """

    MARKERS = {key: f"\ue000{key}\ue001" for key in ("name", "title", "body", "link")}
    PATTERN = re.compile("\ue000(name|title|body|link)\ue001")

    def __init__(self):
        self._skeletons = {}

    def _skeleton(self, *, body, link, ack):
        key = (bool(body), bool(link), bool(ack))
        if key not in self._skeletons:
            marks = self.MARKERS
            context = {
                "user": marks["name"],
                "title": marks["title"],
                "body": marks["body"] if body else "",
                "link": marks["link"] if link else "",
                "requires_ack": ack,
            }
            template = "notice"
            base = {"base_url": settings.PORTAL_BASE_URL, **context}
            subject = render_to_string(f"emails/{template}_subject.txt", base)
            self._skeletons[key] = (
                subject,
                render_to_string(f"emails/{template}.txt", base),
                render_to_string(f"emails/{template}.html", base),
            )
        return self._skeletons[key]

    def _fill(self, skeleton, values):
        return self.PATTERN.sub(lambda match: values[match.group(1)], skeleton)

    def subject(self, title):
        """The subject ``render`` gives for ``title`` (it depends on nothing else)."""
        return " ".join(
            self._fill(self._skeleton(body="", link="", ack=False)[0], {"title": str(title)}).split()
        )

    def render(self, *, user, title, body, link, requires_ack):
        subject, text, html = self._skeleton(body=body, link=link, ack=requires_ack)
        raw = {"name": str(user), "title": str(title), "body": str(body), "link": str(link)}
        escaped = {
            "name": escape(raw["name"]),
            "title": escape(raw["title"]),
            "body": linebreaksbr(raw["body"], autoescape=True),
            "link": escape(raw["link"]),
        }
        return " ".join(self._fill(subject, raw).split()), self._fill(text, raw), self._fill(html, escaped)
