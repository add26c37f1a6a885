"""Sealing personal fields with the organization's public key, and keyed hashes for look-ups.

The running bot holds only the public key: it can seal a name, a postal code, an email or a phone
number, but never open one again. Organizers keep the private key offline and open exports on their
own machine (`python -m bot export --private-key FILE sealed.json`).

Two sealed formats, told apart by their first byte; both open with the same private key:

* ``0x01`` + a libsodium sealed box (PyNaCl ``SealedBox``): an ephemeral X25519 key per field.
  Used for what a member types (a few fields at a time).
* ``0x02`` + ephemeral public key (32 bytes) + nonce (24) + XSalsa20-Poly1305 box: the same
  construction, with one ephemeral key per batch of rows and a fresh random nonce per field.
  Used by imports: a sealed box costs two X25519 operations (~65 µs), so sealing three fields of
  100,000 rows one box at a time would take 20 seconds of CPU; a batch key makes it ~2 µs a field.
  The ephemeral private key lives only in memory for one batch and is never stored.

Plaintexts are padded to a multiple of 32 bytes so a sealed field does not tell a name's length.

Keyed hashes are HMAC-SHA256 with ``RALLY_HASH_KEY`` over a canonical form, with a label per kind
so an email hash can never equal a name hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import unicodedata

from nacl.bindings import crypto_box_beforenm, crypto_box_easy_afternm
from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey, SealedBox
from nacl.utils import random as random_bytes

SINGLE = 1
BATCH = 2
PAD_TO = 32
HASH_KEY_MIN = 32
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class KeyFormatError(ValueError):
    """A key is not in the form `keys new` writes; the message says what was expected."""


# -- keys --------------------------------------------------------------------------------------
def new_key_pair() -> tuple[str, str]:
    """(public, private), both base64 of 32 bytes."""
    private = PrivateKey.generate()
    return _b64(bytes(private.public_key)), _b64(bytes(private))


def new_hash_key() -> str:
    return secrets.token_urlsafe(32)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _key_bytes(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise KeyFormatError(
            f"{what} must be base64 of 32 bytes, as `python -m bot keys new` writes"
        )
    return raw


def load_public_key(text: str) -> PublicKey:
    return PublicKey(_key_bytes(text, "the public key"))


def load_private_key(text: str) -> PrivateKey:
    return PrivateKey(_key_bytes(text, "the private key"))


# -- sealing -----------------------------------------------------------------------------------
def _pad(text: str) -> bytes:
    raw = text.encode("utf-8") + b"\x80"
    return raw + b"\x00" * (-len(raw) % PAD_TO)


def _unpad(raw: bytes) -> str:
    end = raw.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise CryptoError("bad padding")
    return end[:-1].decode("utf-8")


class Sealer:
    """Seals text with the organization's public key. It cannot open what it sealed."""

    def __init__(self, public_key: PublicKey) -> None:
        self._public_key = public_key
        self._box = SealedBox(public_key)

    def seal(self, text: str) -> bytes:
        return bytes([SINGLE]) + self._box.encrypt(_pad(text))

    def seal_optional(self, text: str | None) -> bytes | None:
        return None if text is None else self.seal(text)

    def batch(self) -> BatchSealer:
        """A sealer for one batch of rows: one ephemeral key, a fresh nonce per field."""
        return BatchSealer(self._public_key)


class BatchSealer:
    """One ephemeral key for a batch; each field gets its own random nonce. The output opens
    with `Box(private_key, ephemeral_public_key).decrypt(nonce + box)`."""

    def __init__(self, public_key: PublicKey) -> None:
        ephemeral = PrivateKey.generate()
        self._prefix = bytes([BATCH]) + bytes(ephemeral.public_key)
        self._shared = crypto_box_beforenm(bytes(public_key), bytes(ephemeral))

    def seal(self, text: str) -> bytes:
        nonce = random_bytes(Box.NONCE_SIZE)
        return self._prefix + nonce + crypto_box_easy_afternm(_pad(text), nonce, self._shared)

    def seal_optional(self, text: str | None) -> bytes | None:
        return None if text is None else self.seal(text)


class Unsealer:
    """Opens sealed fields with the private key — on an organizer's machine, never in the bot."""

    def __init__(self, private_key: PrivateKey) -> None:
        self._private_key = private_key
        self._sealed_box = SealedBox(private_key)
        self._boxes: dict[bytes, Box] = {}

    def open(self, blob: bytes) -> str:
        """The text; `CryptoError` when the blob was not sealed for this key."""
        if not blob:
            raise CryptoError("empty sealed field")
        kind, body = blob[0], blob[1:]
        if kind == SINGLE:
            return _unpad(self._sealed_box.decrypt(body))
        if kind == BATCH and len(body) > 32:
            ephemeral = body[:32]
            box = self._boxes.get(ephemeral)
            if box is None:
                box = self._boxes[ephemeral] = Box(self._private_key, PublicKey(ephemeral))
            return _unpad(box.decrypt(body[32:]))
        raise CryptoError("unknown sealed format")


# -- canonical forms and keyed hashes ----------------------------------------------------------
def canonical_email(raw: str) -> str | None:
    """Lower-cased, `+tags` removed, and for Gmail the dots of the local part; None if not an
    email. Petition sites treat these spellings as the same address, and so does Rally."""
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    if len(text) > 254 or not EMAIL_PATTERN.match(text):
        return None
    local, domain = text.rsplit("@", 1)
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    if not local:
        return None
    return f"{local}@{domain}"


ASCII_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """Case-folded, accents dropped, anything but letters and digits a single space."""
    if text.isascii():
        return " ".join(ASCII_NOT_ALNUM.sub(" ", text.lower()).split())
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith(("L", "N")):
            kept.append(char)
        elif category == "Mn":
            continue
        else:
            kept.append(" ")
    return " ".join("".join(kept).split())


def canonical_postal(raw: str) -> str:
    return "".join(ch for ch in _fold(raw) if ch != " ")


def canonical_name_postal(name: str, postal: str) -> str:
    """ "Anna  Kowalska", "02-134" and "anna kowalska", "02134" are one person."""
    return f"{_fold(name)}\x1f{canonical_postal(postal)}"


class Hasher:
    """HMAC-SHA256 with the server's hash key; hex digests."""

    def __init__(self, key: bytes) -> None:
        if len(key) < HASH_KEY_MIN:
            raise KeyFormatError(f"the hash key must be at least {HASH_KEY_MIN} characters")
        self._key = key

    def _digest(self, label: str, value: str) -> str:
        message = label.encode() + b"\x00" + value.encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def email(self, canonical: str) -> str:
        return self._digest("email", canonical)

    def name_postal(self, name: str, postal: str) -> str:
        return self._digest("name_postal", canonical_name_postal(name, postal))

    def link_code(self, user_id: int, code: str) -> str:
        return self._digest("link_code", f"{user_id}:{code}")

    def webhook_secret(self, petition_id: int, nonce: str) -> str:
        """A petition's webhook secret, derived (never stored): the key and the stored nonce."""
        return self._digest("webhook_secret", f"{petition_id}:{nonce}")

    @staticmethod
    def same(left: str, right: str) -> bool:
        """Constant-time comparison of two digests."""
        return hmac.compare_digest(left.encode(), right.encode())
