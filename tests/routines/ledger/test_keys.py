"""The ledger key's HMAC: the verifier's precomputed form is HMAC-SHA256 itself."""

from __future__ import annotations

import hmac

import pytest

from routines.ledger.keys import hmac_sha256_states

MESSAGE = ("0" * 64 + '{"at":"2027-01-04T09:00:00+00:00","data":{},"event":"x","seq":1}').encode()


@pytest.mark.parametrize(
    "secret",
    [b"k" * 32, b"k" * 64, b"a-key-longer-than-one-sha256-block-" * 3],
    ids=["short", "one-block", "longer-than-a-block"],
)
def test_the_precomputed_states_give_the_standard_hmac(secret: bytes) -> None:
    inner, outer = (state.copy() for state in hmac_sha256_states(secret))
    inner.update(MESSAGE)
    outer.update(inner.digest())
    assert outer.hexdigest() == hmac.digest(secret, MESSAGE, "sha256").hex()
