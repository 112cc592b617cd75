"""The API's shared parts: the scoped view set every endpoint builds on, its idempotent writes, and
how requests are parsed and answered. Nothing is imported here: DRF loads the parser and
negotiation classes while its own views load, before the view sets can be."""
