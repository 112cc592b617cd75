from yourchoice.navigation import navigation  # noqa: F401
