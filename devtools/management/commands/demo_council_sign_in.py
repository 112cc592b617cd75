"""Make the local OpenID Connect provider `make run` starts (devtools/oidc_provider.mjs) the
demo borough's council sign-in, so that "Sign in with your council account" can be tried."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.council.secrets import seal
from accounts.models import Authority, CouncilEmailDomain, CouncilIdentityProvider
from devtools import demo

#: The demo borough (Hackney): its people, like every demo person, have demo.DEMO_DOMAIN addresses.
DEMO_AUTHORITY = "E09000012"


class Command(BaseCommand):
    help = "Set the local provider up as the demo borough's council sign-in (development only)."

    def add_arguments(self, parser):
        parser.add_argument("issuer")
        parser.add_argument("client_id")
        parser.add_argument("client_secret")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo council sign-in is for development only (DEBUG).")
        authority = Authority.objects.get(gss_code=DEMO_AUTHORITY)
        provider, _ = CouncilIdentityProvider.objects.update_or_create(
            authority=authority,
            defaults={
                "issuer": options["issuer"],
                "client_id": options["client_id"],
                "client_secret_sealed": seal(options["client_secret"]),
                "enabled": True,
            },
        )
        CouncilEmailDomain.objects.update_or_create(
            domain=demo.DEMO_DOMAIN, defaults={"provider": provider}
        )
        self.stdout.write(f"Council sign-in for {authority.name}: {options['issuer']}")
