"""A copy of a regulation is saved without a number (the form still asks for one)."""

import cms.models
import django.core.validators
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cms', '0006_vietnamese_default_workflow'),
    ]

    operations = [
        migrations.AlterField(
            model_name='regulationpage',
            name='document_number',
            field=cms.models.DocumentNumberField(blank=True, error_messages={'unique': 'Another regulation already has this document number.'}, help_text='As printed on the document: 13/2015/TT-BTTTT, 39-CT/TW, 06/2022/QH15…', max_length=50, null=True, unique=True, validators=[django.core.validators.RegexValidator('^(?:[0-9]{1,5}/(?:19|20)[0-9]{2}/[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*|[0-9]{1,5}/[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*|[0-9]{1,5}-[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*/[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*)$', 'Enter the document number as printed on the document, for example 13/2015/TT-BTTTT, 105/CT-BTTTT, 39-CT/TW or 06/2022/QH15.', code='invalid_document_number')], verbose_name='document number'),
        ),
    ]
