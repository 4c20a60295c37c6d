# Chinese date conventions (2024年10月31日), fixing Django's zh_Hans input formats, whose
# "%n"/"%j" directives mean something else to strptime and so never match "2024年10月31日".
DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
FIRST_DAY_OF_WEEK = 1

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2024-10-31, what <input type=date> sends
    "%Y年%m月%d日",  # 2024年10月31日 (strptime also takes 2024年9月5日)
    "%Y/%m/%d",  # 2024/10/31
    "%Y.%m.%d",  # 2024.10.31
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",  # <input type=datetime-local>
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y年%m月%d日 %H时%M分",
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H时%M分"]

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
