"""The notification centre: own notices only, constant queries as notices pile up."""

from django.urls import reverse

from notifications.registry import register_notice_type
from notifications.services import notify as send
from tests.conftest import count_queries, database_unchanged

register_notice_type("test", title="通知%(i)s")


def notify(user, n, start=0):
    for i in range(start, start + n):
        send(
            recipients=[user],
            kind="test",
            params={"i": i},
            link="/",
            dedupe_key=f"test:{i}",
            requires_ack=i % 2 == 0,
        )


def test_notification_list_runs_the_same_queries_at_two_sizes(personas, client_for):
    notify(personas["secretary"], 2)
    client = client_for(personas["secretary"])
    url = reverse("notifications:list")
    before = [count_queries(client, url + suffix) for suffix in ("", "?filter=unread", "?filter=ack")]
    notify(personas["secretary"], 30, start=2)
    assert [count_queries(client, url + suffix) for suffix in ("", "?filter=unread", "?filter=ack")] == before


def test_another_users_notification_answers_404(personas, client_for):
    notify(personas["secretary"], 1)
    notice = personas["secretary"].notifications.get()
    client = client_for(personas["outsider"])
    with database_unchanged():
        assert client.post(reverse("notifications:open", args=[notice.pk])).status_code == 404
        assert client.post(reverse("notifications:ack", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None and notice.acknowledged_at is None
