from base64 import b32decode

from django.conf import settings
from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from accounts.models import CouncilIdentityProvider, Membership
from devtools import demo
from yourchoice.scoping import all_cases


def current_code() -> str:

    totp = TOTP(b32decode(settings.DEMO_TOTP_SECRET))
    return f"{totp.token():06d}"


class Command(BaseCommand):
    help = "Print the demo sign-in for every role, and the current authenticator code."

    def handle(self, *args, **options):
        with all_cases("listing the demo sign-ins"):
            self._handle(**options)

    def _handle(self, **options):
        if not settings.DEBUG or not demo.already_seeded():
            self.stdout.write("No demo accounts here.")
            return
        self.stdout.write("Demo sign-ins (invented people, development only):")
        # The demo names each role by its value; people read the role's label.
        labels = dict(Membership._meta.get_field("role").choices or [])
        for local, name, role, _place in demo.DEMO_PEOPLE:
            self.stdout.write(f"  {labels[role]:<15} {demo.demo_email(local):<38} {name}")
        self.stdout.write(f"  Password for all: {demo.DEMO_PASSWORD}")
        self.stdout.write(
            f"  Authenticator: add the key {settings.DEMO_TOTP_SECRET} to any authenticator app,\n"
            f"  or run `make demo-code` for the current code (now: {current_code()})."
        )
        council = CouncilIdentityProvider.objects.filter(enabled=True).first()
        if council is not None and council.issuer.startswith("http://127.0.0.1"):
            self.stdout.write(
                f"  Council sign-in: {council.authority.name} uses a local provider. On the "
                "sign-in page, choose\n  Sign in with your council account and type any demo "
                "address: it signs you in, then\n  the authenticator code follows."
            )
