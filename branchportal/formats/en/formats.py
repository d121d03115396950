from django.conf.locale.en.formats import *  # noqa: F403

from branchportal.formats.iso_inputs import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS, TIME_INPUT_FORMATS  # noqa: F401
