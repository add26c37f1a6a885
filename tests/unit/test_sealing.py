"""Sealing and keyed hashes: only the private key opens, canonical forms, key formats."""

from __future__ import annotations

import hashlib
import hmac
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.exceptions import CryptoError

from bot.domain.sealing import (
    Hasher,
    KeyFormatError,
    Sealer,
    Unsealer,
    canonical_email,
    canonical_name_postal,
    load_private_key,
    load_public_key,
    new_hash_key,
    new_key_pair,
)

PUBLIC, PRIVATE = new_key_pair()
SEALER = Sealer(load_public_key(PUBLIC))
UNSEALER = Unsealer(load_private_key(PRIVATE))


@given(st.text(max_size=200))
def test_single_and_batch_seals_open_with_the_private_key(text: str) -> None:
    assert UNSEALER.open(SEALER.seal(text)) == text
    assert UNSEALER.open(SEALER.batch().seal(text)) == text


def test_every_seal_differs_and_reveals_neither_text_nor_length() -> None:
    batch = SEALER.batch()
    seals = [SEALER.seal("Anna"), SEALER.seal("Anna"), batch.seal("Anna"), batch.seal("Anna")]
    assert len(set(seals)) == 4
    assert all(b"Anna" not in s for s in seals)
    assert len(SEALER.seal("Al")) == len(SEALER.seal("Alexandra Kowalska-Nowak"))
    assert seals[0][0] == 3 and seals[2][0] == 4


def test_another_key_or_a_changed_byte_cannot_open() -> None:
    _, other_private = new_key_pair()
    other = Unsealer(load_private_key(other_private))
    for sealed in (SEALER.seal("Anna"), SEALER.batch().seal("Anna")):
        with pytest.raises(CryptoError):
            other.open(sealed)
        tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
        with pytest.raises(CryptoError):
            UNSEALER.open(tampered)
    for junk in (b"", b"\x05abc", b"\x02short", b"\x04" + bytes(8) + b"short"):
        with pytest.raises(CryptoError):
            UNSEALER.open(junk)


def test_the_bot_side_holds_no_way_to_open() -> None:
    assert not any(hasattr(SEALER, name) for name in ("open", "decrypt", "_private_key"))
    assert not hasattr(SEALER.batch(), "open")


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Anna.Kowalska@Gmail.com", "annakowalska@gmail.com"),
        (" a.n.n.a+petitions@googlemail.com ", "anna@gmail.com"),
        ("Anna.K+tag@example.org", "anna.k@example.org"),
        ("ANNA@EXAMPLE.ORG", "anna@example.org"),
        ("Ａnna@example.org", "anna@example.org"),  # full-width letters (NFKC)
        ("anna@example", None),
        ("anna example.org", None),
        ("+tag@example.org", None),
        ("a@b@example.org", None),
        ("", None),
    ],
)
def test_canonical_email(raw: str, canonical: str | None) -> None:
    assert canonical_email(raw) == canonical


def test_name_and_postal_code_canonical_forms() -> None:
    same = [
        ("Anna Kowalska", "02134"),
        ("  anna   KOWALSKA ", "02-134"),
        ("Anna-Kowalska", "02 134"),
    ]
    assert len({canonical_name_postal(n, p) for n, p in same}) == 1
    assert canonical_name_postal("Ганна Кавалёва", "220030") == canonical_name_postal(
        "ГАННА  КАВАЛЕВА", "220 030"
    )
    assert canonical_name_postal("Anna Kowalska", "02134") != canonical_name_postal(
        "Anna Kowalska", "02135"
    )


def test_keyed_hashes_depend_on_the_key_and_the_kind() -> None:
    one, two = Hasher(b"a" * 32), Hasher(b"b" * 32)
    assert one.email("anna@example.org") == one.email("anna@example.org")
    assert one.email("anna@example.org") != two.email("anna@example.org")
    assert one.link_code(1, "123456") != one.link_code(2, "123456")
    assert len(one.name_postal("Anna", "02134")) == 64
    assert Hasher.same(one.email("x@y.org"), one.email("x@y.org"))
    assert not Hasher.same(one.email("x@y.org"), one.email("z@y.org"))
    with pytest.raises(KeyFormatError):
        Hasher(b"short")
    assert len(new_hash_key()) >= 32


@pytest.mark.parametrize("text", ["", "not base64!", "QUJD", PUBLIC + "AA"])
def test_malformed_keys_are_refused_with_what_is_expected(text: str) -> None:
    with pytest.raises(KeyFormatError, match="base64 of 32 bytes"):
        load_public_key(text)
    with pytest.raises(KeyFormatError, match="keys new"):
        load_private_key(text)


def test_settings_build_the_signer_config_and_refuse_bad_keys() -> None:
    from bot.config import SettingsError, load_settings
    from bot.email import SmtpMailer
    from bot.services.signers import SignerConfig

    settings = load_settings(
        rally_public_key=PUBLIC,
        rally_hash_key="h" * 40,
        smtp_host="127.0.0.1",
        smtp_from="rally@example.org",
    )
    config = SignerConfig.from_settings(settings)
    assert config.sealer is not None and config.hasher is not None
    assert isinstance(config.mailer, SmtpMailer)
    assert UNSEALER.open(config.sealer.seal("Anna")) == "Anna"
    bare = SignerConfig.from_settings(load_settings())
    assert (bare.sealer, bare.hasher, bare.mailer) == (None, None, None)
    with pytest.raises(SettingsError, match="RALLY_PUBLIC_KEY is not valid"):
        load_settings(rally_public_key="QUJD")
    with pytest.raises(SettingsError) as short:
        load_settings(rally_hash_key="secret-but-short")
    assert "secret-but-short" not in str(short.value)


def test_fields_say_which_key_sealed_them_and_older_formats_still_open() -> None:
    from nacl.public import SealedBox

    from bot.domain.sealing import SINGLE, _pad, key_id, sealed_key_id

    _, other_private = new_key_pair()
    both = Unsealer(load_private_key(other_private), load_private_key(PRIVATE))
    mine = key_id(load_public_key(PUBLIC))
    assert SEALER.key_id == mine and len(mine) == 16
    for sealed in (SEALER.seal("Anna"), SEALER.batch().seal("Anna")):
        assert sealed_key_id(sealed) == mine
        assert both.open(sealed) == "Anna"
    legacy = bytes([SINGLE]) + SealedBox(load_public_key(PUBLIC)).encrypt(_pad("Anna"))
    assert sealed_key_id(legacy) is None
    assert both.open(legacy) == UNSEALER.open(legacy) == "Anna"
    with pytest.raises(CryptoError, match="not among the keys given"):
        Unsealer(load_private_key(other_private)).open(SEALER.seal("Anna"))


def test_a_batch_never_repeats_a_nonce_and_batches_never_share_a_key() -> None:
    nonce_at = 1 + 8 + 32  # format byte, key id, the batch's ephemeral public key
    first, second = SEALER.batch(), SEALER.batch()
    sealed = [first.seal("Anna") for _ in range(2000)]
    assert len({s[nonce_at : nonce_at + 24] for s in sealed}) == 2000
    assert first.seal("Anna")[9:nonce_at] != second.seal("Anna")[9:nonce_at]
    assert all(UNSEALER.open(s) == "Anna" for s in sealed[:50])


def test_hasher_and_sealer_cross_a_pickle_without_showing_the_key() -> None:
    """An import's reader process gets them pickled: the same hashes, seals for the same key."""
    hasher = Hasher(b"k" * 40)
    copy = pickle.loads(pickle.dumps(hasher))
    assert copy.email("anna@example.org") == hasher.email("anna@example.org")
    assert "kkkk" not in repr(hasher)
    sealer = pickle.loads(pickle.dumps(SEALER))
    assert sealer.key_id == SEALER.key_id
    assert UNSEALER.open(sealer.batch().seal("Anna")) == "Anna"


def test_keyed_hashes_stay_the_hmac_the_stored_ones_were_made_with() -> None:
    """Stored hashes must keep matching: HMAC-SHA256(key, label NUL value), hex."""
    key = b"k" * 40
    hasher = Hasher(key)
    for label, value, made in (
        ("email", "anna@example.org", hasher.email("anna@example.org")),
        ("name_postal", "anna kowalska\x1f02134", hasher.name_postal("Anna Kowalska", "02-134")),
    ):
        message = label.encode() + b"\x00" + value.encode()
        assert made == hmac.new(key, message, hashlib.sha256).hexdigest()
    # the keyed state is copied, never changed: the same input, the same hash, every time
    assert hasher.email("ben@example.org") != hasher.email("anna@example.org")
    assert hasher.email("anna@example.org") == hasher.email("anna@example.org")
