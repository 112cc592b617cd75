"""Pages to correct a young person's profile and key contacts after referral (C4).

For the people who may change the case: its coach, the team's supervisor, the borough lead.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cases.profile import selectors, services
from cases.profile.forms import ContactEditForm, ContactForm, ContactRemoveForm, ProfileForm
from cases.services import YOUNG_PERSON_FIELDS, YoungPersonDetails
from yourchoice import access
from yourchoice.access import Perm
from yourchoice.errors import DomainError, StaleVersion
from yourchoice.forms import back_to_case, form_page


def _young_person(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    young_person, episode = selectors.young_person_for_edit(request.user, pk)
    access.require_on(request.user, Perm.CASE_WRITE, episode)
    if young_person.anonymised_at is not None:
        raise Http404  # nothing identifying is left to change
    return young_person


@login_required
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    young_person = _young_person(request, pk)
    form = ProfileForm(request.POST or None, record=young_person)

    def save(data: dict) -> object:
        return services.young_person_update(
            actor=request.user,
            young_person=young_person,
            version=data["version"],
            details=YoungPersonDetails(**{f: data[f] for f in YOUNG_PERSON_FIELDS}),
        )

    def done(updated) -> HttpResponse:  # type: ignore[no-untyped-def]
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
def contact_new(request: HttpRequest, pk: int) -> HttpResponse:
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


@login_required
def contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    young_person = _young_person(request, pk)
    contact = selectors.key_contact_for_user(request.user, pk, contact_pk)
    context = {"young_person": young_person, "adding": False}
    if contact is None:
        if request.method != "POST":
            raise Http404
        # Removed by someone else while this person was changing it: keep what she typed.
        form = ContactEditForm(request.POST)
        form.is_valid()
        form.add_error(
            None,
            "Someone else removed this contact after you opened it, so your changes have not "
            "been saved. Add the contact again if they are still involved.",
        )
        return render(
            request, "cases/contact_form.html", {"form": form, **context, "gone": True}, status=409
        )
    form = ContactEditForm(request.POST or None, record=contact)

    def save(data: dict) -> object:
        return services.key_contact_update(
            actor=request.user,
            contact=contact,
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
    )


@login_required
def contact_remove(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    young_person = _young_person(request, pk)
    contact = selectors.key_contact_for_user(request.user, pk, contact_pk)
    if contact is None:
        if request.method == "POST":
            messages.info(request, "This contact had already been removed.")
            return redirect("cases:young-person", pk=pk)
        raise Http404
    form = ContactRemoveForm(request.POST or None, initial={"version": contact.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.key_contact_remove(
                actor=request.user, contact=contact, version=form.cleaned_data["version"]
            )
        except StaleVersion as error:
            # Show the contact as it is now, and move the form on: removing it is then a
            # decision made with the new details in view.
            contact = selectors.key_contact_for_user(request.user, pk, contact_pk) or contact
            form = ContactRemoveForm({"version": contact.version})
            form.is_valid()
            form.add_error(None, str(error))
            status = 409
        except DomainError as error:
            form.add_domain_error(error)
            status = 400
        else:
            return back_to_case(request, "Key contact removed.", pk)
    elif form.errors:
        status = 400
    return render(
        request,
        "cases/contact_remove.html",
        {"form": form, "young_person": young_person, "contact": contact},
        status=status,
    )
