from django.core.management.base import BaseCommand

from core.outbox import outbox_oldest_pending_age, outbox_sweep


class Command(BaseCommand):
    help = "Send again the background work still pending (after a broker outage or a lost worker)."

    def handle(self, *args, **options):
        sent = outbox_sweep()
        age = outbox_oldest_pending_age()
        waiting = "none" if age is None else f"{age:.0f} s"
        self.stdout.write(f"Sent {sent} pending item(s); oldest still pending: {waiting}.")
