"""Input formats shared by every language: the first entry is what widgets render.

``<input type=date>`` only accepts ``YYYY-MM-DD`` (``type=time`` ``HH:MM``, ``datetime-local``
``YYYY-MM-DD HH:MM``); zh-hans' default ``2026/11/13`` renders as an empty field and the saved
date is lost on the next save. The locale's own formats stay accepted after the ISO ones.
"""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%m/%d/%Y", "%d/%m/%Y"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
]
