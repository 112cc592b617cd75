"""A one-time link to set up sign-in, for an account that no borough lead runs: the first
administrator after `createsuperuser`, a programme lead, an evaluator or a borough lead. An
account's second factor is set up only from such a link (accounts/people/links.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from accounts.models import EnrolmentLinkPurpose, User
from accounts.people import links


class Command(BaseCommand):
    help = "Email (or, with --show, print) a one-time link to set up an account's sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--show",
            action="store_true",
            help="Print the link here instead of emailing it (for a service that cannot send "
            "email yet). Anyone who sees it can set up the account's second step: give it only "
            "to the account's owner.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        person = User.objects.filter(email=str(options["email"]).strip().lower()).first()
        if person is None or not person.is_active:
            raise CommandError("No switched-on account has that email address.")
        secret = links.new_secret() if options["show"] else ""
        link = links.issue(
            actor=None,
            person=person,
            purpose=EnrolmentLinkPurpose.INVITATION,
            authority=None,
            secret=secret,
        )
        if secret:
            url = settings.SITE_URL + reverse("accounts:enrolment-link", kwargs={"token": secret})
            self.stdout.write(f"The link works once, until {link.expires_at:%d %B %Y %H:%M} UTC:")
            self.stdout.write(url)
        else:
            self.stdout.write(f"A link is emailed to {person.email}.")
