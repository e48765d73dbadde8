"""Every option gets Moodle's share of the marks, chosen so that each existing question grades as before.

Before: single choice, true/false and short answer earned the option's share
when it was a right answer with a share above 0, else all the marks, and
nothing for a wrong answer; multiple choice with partial credit added the
chosen shares when any option had one, else gave 1/(right answers) per right
pick and took 1/(wrong answers) per wrong pick; without partial credit it was
all or nothing on the right answers. The shares written here give the same
scores under the new grading (quizzes.grading), and the right answers stay
right (a share above 0).
"""

from decimal import Decimal

from django.db import migrations

ZERO = Decimal(0)
ONE = Decimal(1)
PLACES = Decimal("0.0000001")


def _share(count: int) -> Decimal:
    return (ONE / count).quantize(PLACES) if count else ZERO


def _fractions(qtype: str, partial: bool, options: list) -> list[Decimal]:
    if qtype == "matching":
        return [ONE for _option in options]
    if qtype != "multiple":
        return [
            (o.fraction if o.fraction is not None and o.fraction > 0 else ONE) if o.is_correct else ZERO
            for o in options
        ]
    right = sum(1 for o in options if o.is_correct)
    wrong = len(options) - right
    if partial and any(o.fraction is not None for o in options):
        return [o.fraction if o.fraction is not None else ZERO for o in options]
    fractions = []
    for o in options:
        keeps = not partial and o.fraction is not None and (o.fraction > 0) == o.is_correct
        if keeps:
            fractions.append(o.fraction)
        else:
            fractions.append(_share(right) if o.is_correct else -_share(wrong))
    return fractions


def forwards(apps, schema_editor):
    Question = apps.get_model("quizzes", "Question")
    Option = apps.get_model("quizzes", "Option")
    changed = []
    for question in Question.objects.prefetch_related("options").iterator(chunk_size=500):
        options = sorted(question.options.all(), key=lambda o: (o.sort_order or 0, o.pk))
        for option, fraction in zip(options, _fractions(question.qtype, question.partial_credit, options), strict=True):
            option.fraction = fraction
            option.is_correct = fraction > 0
            changed.append(option)
        if len(changed) >= 1000:
            Option.objects.bulk_update(changed, ["fraction", "is_correct"])
            changed = []
    Option.objects.bulk_update(changed, ["fraction", "is_correct"])


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0003_option_fraction_tolerance_numerical")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
