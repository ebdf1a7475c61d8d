"""Username validation by the contract (``UsernameBody`` + ``validation_failed``), example- and property-based."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from server.api.contract import validation_failed
from server.api.errors import ApiError
from server.api.schemas import UsernameBody

ALLOWED = string.ascii_letters + string.digits + "_"


def validate_username(value: object) -> str:
    """What a route does with a body's username: the model validates it, a failure becomes our 400."""
    try:
        return UsernameBody.model_validate({"username": value}).username
    except ValidationError as error:
        validation_failed(error)
        raise


@pytest.mark.parametrize("username", ["a", "A_1", "x" * 15, "jack", "_", "123"])
def test_valid_usernames(username):
    assert validate_username(username) == username


@given(st.text(alphabet=ALLOWED, min_size=1, max_size=15))
def test_every_1_to_15_of_the_allowed_characters_is_valid(username):
    assert validate_username(username) == username


@given(st.text(max_size=40).filter(lambda s: not (1 <= len(s) <= 15 and all(c in ALLOWED for c in s))))
def test_everything_else_is_a_400_with_a_message(username):
    with pytest.raises(ApiError) as raised:
        validate_username(username)
    assert raised.value.status == 400 and raised.value.code == "invalid_username"
    assert "1 to 15" in raised.value.message


@pytest.mark.parametrize("value", [None, 5, ["jack"], {"u": "jack"}, "jack\n", "a" * 1000])
def test_non_strings_and_traps_are_invalid(value):
    with pytest.raises(ApiError):
        validate_username(value)
