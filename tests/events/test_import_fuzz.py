"""Random bytes and random well-formed files through the registration import's preview.

Only ServiceError may come out (see tests/core/test_spreadsheet_fuzz.py).
"""

import contextlib

import pytest
from hypothesis import given

from core.errors import ServiceError
from events.imports import COLUMNS, registration_import_preview
from tests.core.test_spreadsheet_fuzz import SETTINGS, any_file


@pytest.mark.django_db
@SETTINGS
@given(upload=any_file(COLUMNS))
def test_the_registration_import_preview(upload, event, organiser):
    data, filename = upload
    with contextlib.suppress(ServiceError):
        registration_import_preview(event=event, file=data, filename=filename, by=organiser)
