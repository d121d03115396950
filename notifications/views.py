from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.permissions import get_notification_for_user

from . import selectors, services


def notification_list(request):
    current = request.GET.get("filter", "")
    current = current if current in selectors.NOTIFICATION_FILTERS else ""
    page = Paginator(selectors.notification_list(request.user, filter=current), 20).get_page(
        request.GET.get("page")
    )
    filters = [("", _("全部")), ("unread", _("未读")), ("ack", _("待确认"))]
    return render(
        request,
        "notifications/notification_list.html",
        {"page_obj": page, "filters": filters, "current": current},
    )


@require_POST
def notification_open(request, pk):
    """Mark one notification read and follow its link (only the recipient's own)."""
    notice = get_notification_for_user(request.user, pk)
    services.notifications_mark_read(user=request.user, ids=[notice.pk])
    target = notice.link
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@require_POST
def notification_mark_all_read(request):
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, _("已将 %(count)d 条通知标为已读。") % {"count": count})
    return redirect("notifications:list")


@require_POST
def notification_acknowledge(request, pk):
    notice = get_notification_for_user(request.user, pk, requires_ack=True)
    services.notification_acknowledge(notification=notice, user=request.user)
    messages.success(request, _("已确认收到：%(title)s") % {"title": notice.display_title})
    return redirect("notifications:list")
