from django.db import migrations, models

# The door searches registrations by a substring of the folded name or of the
# phone. A B-tree cannot serve LIKE '%q%'; on PostgreSQL trigram GIN indexes
# can (pg_trgm, a trusted extension since PostgreSQL 13). SQLite, the
# embedded default, scans one event's rows, which is fast at its scale.
TRIGRAM_INDEXES = (
    ("events_registration_name_trgm", "full_name_folded"),
    ("events_registration_phone_trgm", "phone"),
)


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "events_registration" USING gin ("{column}" gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0007_desk_operational_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="attendance",
            name="device",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
