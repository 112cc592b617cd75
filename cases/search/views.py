"""Find a young person (docs/programme.md C9), from the box in every page's header.

The box posts what was typed; the page keeps it in the person's session and redirects to the
results, so a name never appears in an address: not in server or proxy logs, browser history,
nor a Referer header (docs/search.md). Reading the results is choosing whom to open, like a
caseload, not a read of the record: opening one is (docs/audit.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts import access
from accounts.access import Perm
from accounts.http import AuthenticatedHttpRequest
from cases.search import selectors
from cases.search.forms import SearchForm
from yourchoice.web.forms import form_page

#: Where the session keeps the last term searched for, until sign-out or the idle timeout.
SESSION_KEY = "young_person_search"


@login_required
@access.requires(Perm.CASE_SEARCH)
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        # Through the one write path: it keeps the term in the session, not in the database.
        def keep(data: dict[str, Any]) -> None:
            request.session[SESSION_KEY] = data["q"]

        return form_page(
            request,
            SearchForm(request.POST),
            "cases/search.html",
            {"results": None},
            save=keep,
            done=lambda _: redirect("cases:search"),
        )
    typed = request.session.get(SESSION_KEY, "")
    form = SearchForm({"q": typed}) if typed else SearchForm()
    results = None
    if typed and form.is_valid():
        results = selectors.find_young_people(request.user, form.term)
    return render(request, "cases/search.html", {"form": form, "results": results})
