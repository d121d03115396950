"""Notice types of cross-observation (rendered at display time in the viewer's language)."""

from django.utils.translation import gettext_noop

from notifications.registry import register_notice_type

register_notice_type(
    "observation_visit",
    title=gettext_noop("交叉观摩安排：%(date)s %(branch)s"),
    body=gettext_noop("地点：%(place)s。可在观摩页面下载日历条目（.ics）加入个人日历。"),
)
register_notice_type(
    "observation_reminder",
    title=gettext_noop("%(days)s天后交叉观摩：%(branch)s"),
    body=gettext_noop("日期：%(date)s；地点：%(place)s。"),
)
register_notice_type(
    "observation_result",
    title=gettext_noop("交叉观摩结果已发布：%(round)s"),
    body=gettext_noop("请查看本支部的观摩得分、点评意见和整改事项。"),
)
