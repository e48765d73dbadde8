import django.core.validators
from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0004_option_fractions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="option",
            name="fraction",
            field=models.DecimalField(
                blank=True,
                decimal_places=7,
                help_text="Between -1 and 1, as in Moodle: 1 is all the marks, 0.5 half. Empty: 1 when correct, else 0.",
                max_digits=8,
                validators=[
                    django.core.validators.MinValueValidator(Decimal("-1")),
                    django.core.validators.MaxValueValidator(Decimal("1")),
                ],
                verbose_name="share of the marks",
            ),
        ),
        migrations.AddConstraint(
            model_name="option",
            constraint=models.CheckConstraint(
                condition=models.Q(("fraction__gte", Decimal("-1")), ("fraction__lte", Decimal("1"))),
                name="option_fraction_range",
            ),
        ),
        # Moodle's word for a question frozen into an attempt; the table keeps its rows.
        migrations.RenameModel(old_name="AttemptQuestion", new_name="QuestionSlot"),
    ]
