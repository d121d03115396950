from . import permissions


def navigation(request):
    """Role flags for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_is_admin": permissions.is_admin(user),
        "nav_is_staff": permissions.is_staff_role(user),
        "nav_roles": permissions.roles_of(user),
        "nav_can_import": permissions.is_admin(user)
        or bool(permissions.scope_paths(user, permissions.Action.IMPORT)),
    }
