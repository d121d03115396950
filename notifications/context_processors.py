from . import selectors


def unread_badge(request):
    """The unread-notification count for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_unread": selectors.unread_count(user)}
