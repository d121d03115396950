"""Notice types of the training app (rendered at display time in the viewer's language)."""

from django.utils.translation import gettext

from notifications.registry import register_notice_type


def render_new_secretary(params):
    if params["stage"] == "supervision":
        title = gettext("督办：新任书记%(name)s（%(branch)s）任职满6个月仍未参加任职培训") % params
    else:
        title = gettext("提醒：新任书记%(name)s（%(branch)s）任职满4个月尚未参加任职培训") % params
    return title, gettext("%(name)s 自 %(started)s 起任%(branch)s书记，请安排其参加集中培训。") % params


register_notice_type("training_new_secretary", render=render_new_secretary)
