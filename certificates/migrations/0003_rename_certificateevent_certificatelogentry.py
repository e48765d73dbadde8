import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """CertificateEvent becomes CertificateLogEntry: an audit entry, not a conference.

    A rename, so every entry stays (the table is renamed, and Django's
    contenttypes follows the rename of its content type).
    """

    dependencies = [
        ("certificates", "0002_default_template"),
    ]

    operations = [
        migrations.RenameModel(old_name="CertificateEvent", new_name="CertificateLogEntry"),
        migrations.AlterField(
            model_name="certificatelogentry",
            name="certificate",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="log_entries",
                to="certificates.certificate",
            ),
        ),
    ]
