"""Sealing personal fields with the organization's public key, and keyed hashes for look-ups.

The running bot holds only the public key: it can seal a name, a postal code, an email or a phone
number, but never open one again. Organizers keep the private key offline and open exports on their
own machine (`python -m bot export --private-key FILE sealed.json`).

Sealed formats, told apart by their first byte; all open with the private key of the pair:

* ``0x03`` + key id (8 bytes) + a libsodium sealed box (PyNaCl ``SealedBox``): an ephemeral X25519
  key per field. Used for what a member types (a few fields at a time).
* ``0x04`` + key id (8 bytes) + ephemeral public key (32) + nonce (24) + XSalsa20-Poly1305 box: the
  same construction, with one ephemeral key per batch of rows and a fresh random nonce per field.
  Used by imports: a sealed box costs two X25519 operations (~65 µs), so sealing three fields of
  100,000 rows one box at a time would take 20 seconds of CPU; a batch key makes it ~2 µs a field.
  The ephemeral private key lives only in memory for one batch and is never stored.
* ``0x01`` and ``0x02``: the same two without a key id, as Rally wrote them before key rotation
  existed; still opened (by trying each private key given), never written any more.

The key id (`key_id`) is a hash of the public key: it says which key pair sealed a field, so
`python -m bot keys` can find what still needs the old key during a rotation (see SECURITY.md).

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

SINGLE = 1  # before key ids: read, never written
BATCH = 2
SINGLE_ID = 3
BATCH_ID = 4
KEY_ID_SIZE = 8
PAD_TO = 32
NONCE_COUNTER_BYTES = 8
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


def _key_id(public_key: PublicKey) -> bytes:
    return hashlib.sha256(b"rally-key-id\x00" + bytes(public_key)).digest()[:KEY_ID_SIZE]


def key_id(public_key: PublicKey) -> str:
    """A public key's id (16 hex digits): what sealed fields carry to say which key sealed them."""
    return _key_id(public_key).hex()


def sealed_key_id(blob: bytes) -> str | None:
    """The id of the key that sealed `blob`; None for the formats without one (or junk)."""
    if len(blob) > KEY_ID_SIZE and blob[0] in (SINGLE_ID, BATCH_ID):
        return blob[1 : 1 + KEY_ID_SIZE].hex()
    return None


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
        self._prefix = bytes([SINGLE_ID]) + _key_id(public_key)

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        """Pickled as its public key alone (an import's reader process gets its own sealer)."""
        return (_sealer_from_bytes, (bytes(self._public_key),))

    @property
    def key_id(self) -> str:
        return self._prefix[1:].hex()

    def seal(self, text: str) -> bytes:
        return self._prefix + self._box.encrypt(_pad(text))

    def seal_optional(self, text: str | None) -> bytes | None:
        return None if text is None else self.seal(text)

    def batch(self) -> BatchSealer:
        """A sealer for one batch of rows: one ephemeral key, a fresh nonce per field."""
        return BatchSealer(self._public_key)


def _sealer_from_bytes(raw: bytes) -> Sealer:
    return Sealer(PublicKey(raw))


class BatchSealer:
    """One ephemeral key for a batch; each field gets its own nonce. The output opens with
    `Box(private_key, ephemeral_public_key).decrypt(nonce + box)`.

    A nonce must never repeat under one key; the key is this batch's alone, so a random prefix
    plus a counter (`NONCE_COUNTER_BYTES`) is unique without asking the OS for randomness per
    field (a system call each, a noticeable share of an import's CPU)."""

    def __init__(self, public_key: PublicKey) -> None:
        ephemeral = PrivateKey.generate()
        self._prefix = bytes([BATCH_ID]) + _key_id(public_key) + bytes(ephemeral.public_key)
        self._shared = crypto_box_beforenm(bytes(public_key), bytes(ephemeral))
        self._nonce_prefix = random_bytes(Box.NONCE_SIZE - NONCE_COUNTER_BYTES)
        self._sealed = 0

    def seal(self, text: str) -> bytes:
        self._sealed += 1
        nonce = self._nonce_prefix + self._sealed.to_bytes(NONCE_COUNTER_BYTES, "big")
        return self._prefix + nonce + crypto_box_easy_afternm(_pad(text), nonce, self._shared)

    def seal_optional(self, text: str | None) -> bytes | None:
        return None if text is None else self.seal(text)


class Unsealer:
    """Opens sealed fields with private keys — on an organizer's machine, never in the bot.

    Several keys may be given (the old and the new during a rotation): a field that carries a
    key id opens with that key only; one without (an older format) with whichever key fits.
    """

    def __init__(self, private_key: PrivateKey, *more: PrivateKey) -> None:
        self._keys = {_key_id(k.public_key): k for k in (private_key, *more)}
        self._sealed_boxes = {kid: SealedBox(k) for kid, k in self._keys.items()}
        self._boxes: dict[tuple[bytes, bytes], Box] = {}

    @property
    def key_ids(self) -> list[str]:
        return [kid.hex() for kid in self._keys]

    def open(self, blob: bytes) -> str:
        """The text; `CryptoError` when the blob was not sealed for any of these keys."""
        if not blob:
            raise CryptoError("empty sealed field")
        kind, body = blob[0], blob[1:]
        if kind in (SINGLE_ID, BATCH_ID):
            kid, body = body[:KEY_ID_SIZE], body[KEY_ID_SIZE:]
            if kid not in self._keys:
                raise CryptoError(f"sealed for key {kid.hex()}, which is not among the keys given")
            return self._open(kind == BATCH_ID, kid, body)
        if kind not in (SINGLE, BATCH):
            raise CryptoError("unknown sealed format")
        for kid in self._keys:  # no key id: the first key that opens it is the right one
            try:
                return self._open(kind == BATCH, kid, body)
            except CryptoError:
                continue
        raise CryptoError("not sealed for any of the keys given")

    def _open(self, batch: bool, kid: bytes, body: bytes) -> str:
        if not batch:
            return _unpad(self._sealed_boxes[kid].decrypt(body))
        if len(body) <= 32:
            raise CryptoError("truncated sealed field")
        ephemeral = body[:32]
        box = self._boxes.get((kid, ephemeral))
        if box is None:
            box = self._boxes[kid, ephemeral] = Box(self._keys[kid], PublicKey(ephemeral))
        return _unpad(box.decrypt(body[32:]))


def reseal(blob: bytes, unsealer: Unsealer, sealer: Sealer) -> bytes:
    """`blob` sealed again for `sealer`'s key (a key rotation, on the organizer's machine)."""
    return sealer.seal(unsealer.open(blob))


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
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # copied: no re-keying a hash

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        return (Hasher, (self._key,))

    def __repr__(self) -> str:  # never the key, not even in a traceback
        return "Hasher(<key>)"

    def _digest(self, label: str, value: str) -> str:
        digest = self._keyed.copy()
        digest.update(label.encode() + b"\x00" + value.encode("utf-8"))
        return digest.hexdigest()

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
