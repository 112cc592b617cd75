from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from yourchoice import demo


class Command(BaseCommand):
    help = "Load the demo programme once (invented people; shared demo sign-in). Development only."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=1, help="Random seed, for repeatable data.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if not settings.DEBUG:
            raise CommandError(
                "Demo data has a shared password and is for development only (DEBUG is off)."
            )
        if demo.already_seeded():
            self.stdout.write("Demo data is already loaded.")
            return
        people = demo.seed(seed=options["seed"])
        self.stdout.write(f"Loaded demo data: {len(people)} demo accounts.")
