"""Council sign-in: staff sign in with their council's own accounts, through each authority's
own OpenID Connect provider (docs/programme.md X7; docs/sign-in.md has the design)."""
