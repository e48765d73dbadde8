# English keeps the day-first dates and 24-hour clock: the same people read both.
from lms.formats.vi.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
