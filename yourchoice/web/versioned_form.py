"""The form half of editing one versioned record (yourchoice/web/concurrency.py has the services'
half): the version and signed snapshot a form was loaded with, and what the page shows when a
save is refused because someone else saved first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django import forms
from django.core import signing
from django.db import models
from django.utils.formats import date_format
from django.utils.text import Truncator

from yourchoice.data.errors import StaleVersion
from yourchoice.web.forms import GovForm

# Unchanged since the form lived in yourchoice/concurrency.py: forms already open in someone's
# browser still carry snapshots signed with it.
_SALT = "yourchoice.concurrency.loaded"


def plain(value: Any) -> Any:
    """A value as the snapshot stores it, so the form's and the record's compare equal."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet):
        return sorted(plain(v) for v in value)  # a choice of several: which, not in what order
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Change:
    """A field someone else changed while this person had the form open."""

    field: str
    label: str
    was: str
    now: str
    yours: str | None  # what this person entered, when she changed it too


class VersionedForm(GovForm):
    """A form editing one versioned record. Pass `record=` when showing it for the first time.

    Every field other than `version` and `loaded` is a value of the record; a form whose fields
    are not plain attributes of the record overrides `record_values`.
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, record: models.Model | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if record is not None:
            self.load(record)

    def load(self, record: models.Model) -> None:
        """Show `record` in an unbound form: its values, its version and their snapshot. (A
        form that adds fields per record calls this itself, once they exist.)"""
        if self.is_bound:
            return
        values = self.record_values(record)
        self.initial.update(values)
        self.initial["version"] = record.version  # type: ignore[attr-defined]  # a versioned model's column: Model has none
        self.initial["loaded"] = self._sign(values)

    def edited_fields(self) -> list[str]:
        return [name for name in self.fields if name not in ("version", "loaded")]

    def record_values(self, record: models.Model) -> dict[str, Any]:
        return {name: getattr(record, name) for name in self.edited_fields()}

    @staticmethod
    def _sign(values: dict[str, Any]) -> str:
        return signing.dumps({k: plain(v) for k, v in values.items()}, salt=_SALT, compress=True)

    def _loaded(self) -> dict[str, Any] | None:
        try:
            return signing.loads(self.data.get(self.add_prefix("loaded"), ""), salt=_SALT)
        except signing.BadSignature:
            return None

    def display(self, name: str, value: Any) -> str:
        """A value as a person reads it: choices by their label, dates written out."""
        if value in ("", None, []):
            return "blank"
        field = self.fields[name]
        if isinstance(value, bool):
            text = "Yes" if value else "No"
        elif isinstance(field, forms.ChoiceField):
            labels = {str(k): str(v) for k, v in field.choices}  # type: ignore[misc, union-attr]  # a list by now
            if isinstance(value, list):
                text = ", ".join(labels.get(str(v), str(v)) for v in value)
            else:
                text = labels.get(str(value), str(value))
        elif isinstance(field, forms.DateField):
            text = date_format(date.fromisoformat(value), "j F Y")
        else:
            # Long notes are shortened here; the page shows them in full.
            text = Truncator(str(value)).chars(200)
        return f"\u2018{text}\u2019"

    def _label(self, name: str) -> str:
        label = str(self.fields[name].label or name.replace("_", " ").capitalize())
        return label.removesuffix(" (optional)")

    def _put(self, data: Any, name: str, value: Any) -> None:
        """Set a field's submitted value, as its widget would have sent it."""
        key = self.add_prefix(name)
        if isinstance(value, bool):
            if value:
                data[key] = "on"
            else:
                data.pop(key, None)
        elif isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        else:
            data[key] = str(value)

    def show_conflict(self, error: StaleVersion) -> list[Change]:
        """After a refused save: keep what was typed, say what the other person changed, and
        move the form on to the record's current version."""
        current = error.current
        if current is None:
            self.add_error(None, str(error))
            return []
        now_raw = self.record_values(current)
        now = {k: plain(v) for k, v in now_raw.items()}
        was = self._loaded()
        entered = {name: plain(self.cleaned_data.get(name)) for name in now}
        data = self.data.copy()  # type: ignore[attr-defined]  # a bound form's QueryDict
        changes = []
        for name in self.edited_fields():
            if name not in now:
                continue
            seen = was.get(name) if was is not None else entered[name]
            if now[name] == seen or (was is None and now[name] == entered[name]):
                continue
            touched = was is None or entered[name] != seen
            if touched and entered[name] == now[name]:
                touched = False  # both made the same change
            change = Change(
                field=name,
                label=self._label(name),
                was=self.display(name, seen) if was is not None else "",
                now=self.display(name, now[name]),
                yours=self.display(name, entered[name]) if touched else None,
            )
            changes.append(change)
            if not touched:
                self._put(data, name, now[name])
        data[self.add_prefix("version")] = str(current.version)
        data[self.add_prefix("loaded")] = self._sign(now_raw)
        self.data = data
        who = error.changed_by or "Someone else"
        self.add_error(
            None,
            f"{who} saved changes after you opened this page, so nothing you entered has been "
            "saved yet. "
            + (
                "Their changes are listed below. Check them, then save again."
                if changes
                else "Check the form, then save again."
            ),
        )
        for change in changes:
            before = f"was {change.was}, now {change.now}" if change.was else f"now {change.now}"
            after = (
                f"You entered {change.yours}: save again to keep yours, or change it."
                if change.yours is not None
                else "The form now shows the new value."
            )
            self.add_error(change.field, f"{change.label}: {before}. {after}")
        return changes
