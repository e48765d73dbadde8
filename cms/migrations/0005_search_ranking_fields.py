"""Search ranks by field. Existing entries fill these on their next publication, or at once
with ``manage.py cms_search_reindex``."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cms', '0004_regulation_number_key_notify_again'),
    ]

    operations = [
        migrations.AddField(
            model_name='searchentry',
            name='excerpt_source',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='number_folded',
            field=models.CharField(blank=True, db_index=True, max_length=50),
        ),
        migrations.AddField(
            model_name='searchentry',
            name='summary_folded',
            field=models.TextField(blank=True),
        ),
    ]
