"""The client's address, read correctly behind the documented reverse proxy.

Only when the direct peer (REMOTE_ADDR) is one of ``TRUSTED_PROXY_IPS`` is the proxy's header
(``CLIENT_IP_HEADER``, by default nginx's ``X-Real-IP``) believed; a header sent by anybody else
is ignored, so a client cannot pick the address its failed logins are counted against.
"""

import ipaddress

from django.conf import settings


def _valid(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except (ValueError, AttributeError):
        return None


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "")
    if remote in settings.TRUSTED_PROXY_IPS:
        header = request.META.get(settings.CLIENT_IP_HEADER, "")
        # X-Forwarded-For style lists: the last entry is the one our proxy appended.
        candidate = _valid(header.split(",")[-1]) if header else None
        if candidate:
            return candidate
    return remote or None


def login_username(request, credentials):
    """The username throttling counts failures against, cut to the stored length.

    A 300-character (or NUL-containing) username must fail like any other wrong login, not make
    the attempt log's INSERT fail.
    """
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(username).replace("\x00", "")[:150]
