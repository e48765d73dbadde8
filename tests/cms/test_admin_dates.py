"""The moderation status in the admin ("Sent to … 3 minutes ago") reads in Vietnamese."""

import datetime

from django.utils import timezone, translation
from wagtail.admin.templatetags.wagtailadmin_tags import naturaltime


def test_wagtails_naturaltime_is_translated_by_the_installed_humanize_catalogue():
    # Wagtail's workflow_status_with_date formats dates with humanize's naturaltime;
    # its "… ago" comes from django.contrib.humanize's catalogue, read only when installed.
    with translation.override("vi"):
        assert naturaltime(timezone.now() - datetime.timedelta(minutes=3)) == "3\xa0phút trước"
