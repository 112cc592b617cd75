"""Developer tooling, never installed in production: the local runner behind `make run`,
`make test` and `make bench` (stack.py), and the invented demo and scale data with their
management commands (seed_demo, demo_signins).

The production image copies only the service's folders (Dockerfile), so nothing here can ship,
and the settings add this app only with DEBUG on or DEV_TOOLS set.
"""
