"""Notice types of questions and answers."""

from django.utils.translation import gettext_noop

from notifications.registry import register_notice_type

register_notice_type(
    "question_asked",
    title=gettext_noop("支部提问待解答：%(title)s"),
    body=gettext_noop("%(branch)s 提出了问题，请及时解答。"),
)
register_notice_type(
    "question_answered",
    title=gettext_noop("您的提问已解答：%(title)s"),
    body=gettext_noop("%(answer)s"),
)
