"""A small RFC 5545 writer for the renewal feed (all-day events only).

Written by hand rather than with a library: the feed needs VCALENDAR/VEVENT, text escaping
(§3.3.11), line folding at 75 octets without splitting UTF-8 characters (§3.1) and CRLF
line ends, which is a few lines of code.
"""

from datetime import UTC, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from . import ladder

PRODID = "-//branchportal//renewals//ZH"


def escape(text):
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line):
    """Split a content line into chunks of at most 75 octets, continuation lines start with a space."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines spend one octet on the leading space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _event(*, uid, day, summary, description, url, stamp):
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        f"URL:{url}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def term_events(term, *, offsets, supervision_deadline=None):
    """(uid suffix, day, summary, description) of one term's dates."""
    name = term.branch.name
    events = [
        (
            "expiry",
            term.ends_on,
            _("%(b)s任期届满") % {"b": name},
            _("本届于%(e)s选举产生，任期%(y)d年。")
            % {"e": f"{term.elected_on:%Y-%m-%d}", "y": term.length_years},
        )
    ]
    if term.deadline > term.ends_on:
        events.append(
            (
                "postponed",
                term.deadline,
                _("%(b)s延期换届期限") % {"b": name},
                _("经上级批准延期换届，须在此日前完成换届选举。"),
            )
        )
    elif term.deadline < term.ends_on:
        events.append(
            (
                "advanced",
                term.deadline,
                _("%(b)s提前换届选举") % {"b": name},
                _("经上级批准提前换届，计划在此日召开选举大会。"),
            )
        )
    events.append(
        (
            "request",
            ladder.months(term.deadline, -offsets.urgent),
            _("%(b)s换届请示报送截止") % {"b": name},
            _("换届请示应至少在换届期限前%(m)d个月报上级党组织。") % {"m": offsets.urgent},
        )
    )
    if supervision_deadline:
        events.append(
            (
                "supervision",
                supervision_deadline,
                _("%(b)s督办整改方案截止") % {"b": name},
                _("超期未换届督办通知要求的整改方案报送期限。"),
            )
        )
    return events


def render_feed(*, terms, offsets, supervision, base_url, now):
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(_('党支部换届日程'))}",
    ]
    for term in terms:
        url = base_url + reverse("renewals:branch-timeline", args=[term.branch_id])
        for suffix, day, summary, description in term_events(
            term, offsets=offsets, supervision_deadline=supervision.get(term.pk)
        ):
            lines += _event(
                uid=f"term-{term.pk}-{suffix}@branchportal",
                day=day,
                summary=summary,
                description=description,
                url=url,
                stamp=stamp,
            )
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
