"""Casework's own tables live with the features that own them; Django finds them here."""

from casework.imports.models import ImportBatch, ImportedRecord

__all__ = ["ImportBatch", "ImportedRecord"]
