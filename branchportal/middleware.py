"""Portal-wide middleware: security headers, NUL-byte rejection, write stamps.

Response headers every page carries: Content-Security-Policy, Permissions-Policy and no caching
of pages (they hold personal data). Static files (WhiteNoise) keep their long cache headers.

The policy allows scripts only from this site's own static files: no inline ``<script>`` blocks
and no ``onclick=``-style handlers (see README, "Adding JavaScript").
"""

from django.conf import settings

from branches.home import note_write

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _static_prefix():
    url = settings.STATIC_URL or "/static/"
    return url if url.startswith("/") else "/" + url


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = _static_prefix()
        self.csp = settings.CONTENT_SECURITY_POLICY
        self.permissions_policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.static_prefix):
            return response
        if self.csp:
            response.setdefault("Content-Security-Policy", self.csp)
        if self.permissions_policy:
            response.setdefault("Permissions-Policy", self.permissions_policy)
        # Pages and downloads are personal data: never stored by the browser or a proxy.
        response["Cache-Control"] = "private, no-store"
        response.setdefault("X-Content-Type-Options", "nosniff")
        return response


class RejectNulBytesMiddleware:
    """A NUL byte in any query or form value is answered with the 400 page.

    PostgreSQL cannot store or compare strings containing NUL, so such a value reaching a filter
    or a direct ``request.GET``/``request.POST`` read would otherwise end in a 500. No legitimate
    input contains it. (Other control characters are refused field by field with a message:
    branches/text.py.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            from django.core.exceptions import BadRequest

            raise BadRequest("NUL byte in request parameters")
        return self.get_response(request)


def _has_nul(query_dict):
    try:
        return any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists()
        )
    except Exception:  # noqa: BLE001 - an unparsable body is Django's own 400 later
        return False


class WriteStampMiddleware:
    """Stamps each successful write request of a signed-in user, so the home page's shared
    panels show that user their own change at once (branches.home.note_write)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method not in SAFE_METHODS
            and response.status_code < 400
            and request.user.is_authenticated
        ):
            note_write(request.user)
        return response
