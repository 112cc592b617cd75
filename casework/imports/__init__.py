"""Bringing a borough's existing cases in from a spreadsheet (C11, docs/import.md).

A borough lead downloads the template, fills it, uploads it and sees a preview: what will be
created, every problem row by row, and the young people already recorded whom a row may be.
Nothing is saved until the file has no problems and the lead confirms; then one job writes
everything in one transaction, or nothing at all.

It lives in casework/ because an import creates young people, cases, sessions, goals and
measures together: the top layer is the one that may import all of them.
"""
