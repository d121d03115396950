from .models import Notification

NOTIFICATION_FILTERS = ("unread", "ack")


def notification_list(user, *, filter=""):
    """The user's notifications; ``filter`` "unread" or "ack" (acknowledgement still owed)."""
    notices = Notification.objects.filter(recipient=user).select_related("organization")
    if filter == "unread":
        notices = notices.filter(read_at__isnull=True)
    elif filter == "ack":
        notices = notices.filter(requires_ack=True, acknowledged_at__isnull=True)
    return notices


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
