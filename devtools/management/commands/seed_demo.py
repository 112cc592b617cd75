from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devtools import demo, demo_scale
from yourchoice.scoping import all_cases


class Command(BaseCommand):
    help = (
        "Load the demo programme once (invented people; shared demo sign-in). Development only. "
        "With --scale N, add N times the real programme's volume for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="Random seed, for repeatable data.")
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            help="Also load N times the real programme (1 = about 2,500 young people and "
            "60,000 sessions; 10 = ten times that).",
        )

    def handle(self, *args, **options):
        with all_cases("loading the demo programme"):
            self._handle(**options)

    def _handle(self, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo data has a shared password and is for development only (DEBUG is off)."
            )
        scale = options["scale"]
        if scale < 0:
            raise CommandError("--scale must be 1 or more.")
        if scale:
            if demo_scale.already_loaded():
                self.stdout.write("Scale demo data is already loaded.")
                return
            counts = demo_scale.seed(scale=scale, seed=options["seed"])
            for table, rows in counts.items():
                self.stdout.write(f"{table}: {rows:,} rows")
            return
        if demo.already_seeded():
            self.stdout.write("Demo data is already loaded.")
        else:
            people = demo.seed(seed=options["seed"])
            self.stdout.write(f"Loaded demo data: {len(people)} demo accounts.")
        # A fresh demo shows last month's figures across London; a service started again in a
        # later month catches up on the month it missed.
        asked = demo.last_months_reports()
        if asked:
            self.stdout.write(f"Last month's reports waiting to be made: {asked}.")
