from django.core.management.base import BaseCommand

from reviews.demo import DEMO_PASSWORD, DEMO_USERS
from workspace.demo import demo_load


class Command(BaseCommand):
    help = "Load the illustrative demo review and its team (once) and print the logins."

    def handle(self, *args, **options):
        review, created = demo_load()
        state = "created" if created else "already loaded"
        self.stdout.write(f"Demo review {state}: {review.title} (/reviews/{review.pk}/)")
        self.stdout.write(f"Log in as any of these (password for all: {DEMO_PASSWORD}):")
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<16} {demo.role}")
