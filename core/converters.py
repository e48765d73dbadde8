"""URL path converters shared by every app."""


class IdConverter:
    """A database id in a URL: digits that fit a 64-bit integer column.

    Django's ``int`` converter takes any length, so `/courses/99999999999999999999/`
    reached the database and failed there (SQLite: OverflowError, PostgreSQL:
    out of range) as a 500; past 18 digits the URL simply does not match (404).
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
