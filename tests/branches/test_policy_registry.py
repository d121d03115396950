"""Policy keys are registered with type and range; bad values are refused, bad stored ones ignored."""

import pytest
from django.core.exceptions import ValidationError

from branches import policy
from branches.admin import PolicySettingForm
from branches.models import PolicySetting

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("report.due_day", "five", "类型应为整数"),
        ("report.due_day", 40, "应在 1 到 28 之间"),
        ("report.due_day", True, "类型应为整数"),
        ("no.such_key", 1, "未知的政策参数"),
        ("renewal.election_majority_basis", "all", "只能取"),
    ],
)
def test_bad_values_are_refused_with_a_chinese_message(key, value, message):
    with pytest.raises(ValidationError, match=message):
        policy.policy_set(key=key, value=value)
    form = PolicySettingForm(
        data={"key": key, "value": f'"{value}"' if isinstance(value, str) else str(value).lower()}
    )
    assert not form.is_valid()


def test_good_values_are_stored_and_read():
    policy.policy_set(key="report.due_day", value=10)
    assert policy.policy_get("report.due_day") == 10
    assert PolicySettingForm(data={"key": "life.attendance_target", "value": "1"}).is_valid()
    assert "assessment.evidence_max_mb" in policy.REGISTRY  # registered by the assessments app


def test_a_stored_bad_value_reads_as_the_default(caplog):
    PolicySetting.objects.create(key="report.due_day", value="five")
    assert policy.policy_get("report.due_day") == 5
    assert policy.policy_all()["report.due_day"] == 5
    assert "invalid" in caplog.text


def test_policy_is_read_once_per_request_and_afresh_outside_one(django_assert_num_queries):
    """Inside a request (RequestCacheMiddleware) every read after the first costs no query and
    a write in the same request is seen at once; outside a request each read queries."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from branches.request_cache import RequestCacheMiddleware

    seen = []

    def view(request):
        with django_assert_num_queries(1):
            seen.append(policy.policy_all()["report.due_day"])
            seen.append(policy.policy_get("report.due_day"))
            seen.append(policy.policy_all()["report.due_day"])
        policy.policy_set(key="report.due_day", value=9)
        seen.append(policy.policy_get("report.due_day"))
        return HttpResponse()

    RequestCacheMiddleware(view)(RequestFactory().get("/"))
    assert seen == [5, 5, 5, 9]
    PolicySetting.objects.filter(key="report.due_day").update(value=11)
    with django_assert_num_queries(2):
        assert policy.policy_all()["report.due_day"] == 11
        assert policy.policy_get("report.due_day") == 11
