# English interface, ISO-like dates so that county staff switching languages still read
# the same dates; input accepts the same forms as Chinese.
from ..zh_Hans.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS, TIME_INPUT_FORMATS

__all__ = ["DATETIME_INPUT_FORMATS", "DATE_INPUT_FORMATS", "TIME_INPUT_FORMATS"]

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1
