"""Councils' client secrets, encrypted at rest.

A client secret lets whoever holds it ask the council's provider for its staff's sign-ins as
this service, so a copy of the database (a backup, a replica, a leaked dump) must not hold it
readable. It is encrypted with Fernet (AES-128 in CBC mode with an HMAC-SHA256 tag) under a key
derived (HKDF-SHA256) from COUNCIL_SIGN_IN_KEYS, which lives in the environment, never in the
database. The first key encrypts and every key decrypts, so keys can be rotated.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored secret was encrypted with a key no longer in COUNCIL_SIGN_IN_KEYS."""


def _fernet(key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"yourchoice council client secret"
    ).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> MultiFernet:
    return MultiFernet([_fernet(key) for key in settings.COUNCIL_SIGN_IN_KEYS])


def seal(secret: str) -> str:
    return _keys().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _keys().decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable from error
