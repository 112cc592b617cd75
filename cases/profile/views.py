"""Pages to correct a young person's profile and key contacts after referral (C4).

For the people who may change the case: its coach, the team's supervisor, the borough lead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from accounts import access
from accounts.access import Perm
from accounts.http import AuthenticatedHttpRequest
from cases.profile import selectors, services
from cases.profile.forms import ContactEditForm, ContactForm, ContactRemoveForm, ProfileForm
from cases.services import YOUNG_PERSON_FIELDS, YoungPersonDetails
from yourchoice.data.errors import DomainError, StaleVersion
from yourchoice.web.forms import back_to_case, form_page

if TYPE_CHECKING:
    from cases.models import YoungPerson


def _young_person(request: AuthenticatedHttpRequest, pk: int) -> YoungPerson:
    young_person, episode = selectors.young_person_for_edit(request.user, pk)
    access.require_on(request.user, Perm.CASE_WRITE, episode)
    if young_person.anonymised_at is not None:
        raise Http404  # nothing identifying is left to change
    return young_person


@login_required
def profile_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    young_person = _young_person(request, pk)
    form = ProfileForm(request.POST or None, record=young_person)

    def save(data: dict) -> object:
        return services.young_person_update(
            actor=request.user,
            young_person=young_person,
            version=data["version"],
            details=YoungPersonDetails(**{f: data[f] for f in YOUNG_PERSON_FIELDS}),
        )

    def done(updated: YoungPerson) -> HttpResponse:
        if updated.version == form.cleaned_data["version"]:
            messages.info(request, "Nothing was changed.")
            return redirect("cases:young-person", pk=pk)
        return back_to_case(request, "Details saved.", pk)

    return form_page(
        request,
        form,
        "cases/profile_edit.html",
        {"young_person": young_person},
        save=save,
        done=done,
    )


@login_required
def contact_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    young_person = _young_person(request, pk)
    return form_page(
        request,
        ContactForm(request.POST or None),
        "cases/contact_form.html",
        {"young_person": young_person, "adding": True},
        save=lambda data: services.key_contact_add(
            actor=request.user, young_person=young_person, **data
        ),
        done=lambda _: back_to_case(request, "Key contact added.", pk),
    )


#: Said when the contact being changed was removed by someone else after the page was opened.
GONE = (
    "Someone else removed this contact after you opened it, so your changes have not "
    "been saved. Add the contact again if they are still involved."
)


@login_required
def contact_edit(request: AuthenticatedHttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    young_person = _young_person(request, pk)
    contact = selectors.key_contact_for_user(request.user, pk, contact_pk)
    context = {"young_person": young_person, "adding": False}
    if contact is None:
        if request.method != "POST":
            raise Http404
        # Removed by someone else while this person was changing it: keep what she typed.
        context["gone"] = True
        form = ContactEditForm(request.POST)
    else:
        form = ContactEditForm(request.POST or None, record=contact)

    def save(data: dict) -> object:
        return services.key_contact_update(
            actor=request.user,
            contact=contact,  # type: ignore[arg-type]  # found: when gone, form_page never saves
            version=data["version"],
            **{f: data[f] for f in services.CONTACT_FIELDS},
        )

    return form_page(
        request,
        form,
        "cases/contact_form.html",
        context,
        save=save,
        done=lambda _: back_to_case(request, "Key contact saved.", pk),
        gone=GONE if contact is None else "",
    )


@login_required
def contact_remove(request: AuthenticatedHttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    young_person = _young_person(request, pk)
    contact = selectors.key_contact_for_user(request.user, pk, contact_pk)
    if contact is None:
        if request.method == "POST":
            messages.info(request, "This contact had already been removed.")
            return redirect("cases:young-person", pk=pk)
        raise Http404
    form = ContactRemoveForm(request.POST or None, initial={"version": contact.version})
    context = {"young_person": young_person, "contact": contact}

    def refused(error: DomainError) -> ContactRemoveForm | None:
        if not isinstance(error, StaleVersion):
            return None
        # Show the contact as it is now, and move the form on: removing it is then a
        # decision made with the new details in view.
        now = selectors.key_contact_for_user(request.user, pk, contact_pk) or contact
        context["contact"] = now
        moved_on = ContactRemoveForm({"version": now.version})
        moved_on.is_valid()
        return moved_on

    return form_page(
        request,
        form,
        "cases/contact_remove.html",
        context,
        save=lambda data: services.key_contact_remove(
            actor=request.user, contact=contact, version=data["version"]
        ),
        done=lambda _: back_to_case(request, "Key contact removed.", pk),
        refused=refused,
    )
