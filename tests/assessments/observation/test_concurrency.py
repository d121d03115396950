"""Two observers of the same visit saving at the same moment, on real PostgreSQL connections:
neither loses a score (each observer's scores are their own rows)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from assessments.models import Item, ObserverScore, Visit, VisitMember
from assessments.observation import services

from .conftest import build_world, scheduled_round

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def edition(db):
    from assessments import default_edition
    from assessments.models import Dimension, Edition, Tier

    return default_edition.load(Edition, Dimension, Item, Tier)


def test_two_observers_saving_at_once_keep_both_scores(edition):
    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"
    world = build_world(units=10, branches=1, members=4)
    round_ = scheduled_round(world, edition)
    visit = round_.visits.first()
    first, second = list(visit.team.filter(role=VisitMember.Role.OBSERVER).order_by("pk")[:2])
    items = list(Item.objects.filter(edition=edition, points__gte=1).exclude(mode=Item.Mode.AUTO))
    barrier = threading.Barrier(2)
    errors = []

    def save(member_pk, value):
        try:
            member = VisitMember.objects.select_related("user").get(pk=member_pk)
            fresh = Visit.objects.select_related("round__edition", "branch").get(pk=visit.pk)
            barrier.wait()
            for item in items:
                services.autosave(visit=fresh, member=member, field=f"score:{item.pk}", value=value)
                services.autosave(
                    visit=fresh, member=member, field=f"looknote:{item.pk}", value=f"记录{value}"
                )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(first.pk, "1")),
        threading.Thread(target=save, args=(second.pk, "0.5")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    mine = dict(ObserverScore.objects.filter(member=first).values_list("item_id", "score"))
    theirs = dict(ObserverScore.objects.filter(member=second).values_list("item_id", "score"))
    assert mine == {item.pk: Decimal(1) for item in items}
    assert theirs == {item.pk: Decimal("0.5") for item in items}
