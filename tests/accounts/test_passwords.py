"""Passwords have at least PASSWORD_MIN_LENGTH characters of three of four kinds, beside
Django's own rules; the date a password was set is recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.models import User
from accounts.passwords import ComplexityValidator, character_kinds


@pytest.mark.parametrize(
    "password",
    [
        "Ward7-Printer",  # all four kinds
        "hisserver2027X",  # lower, digit, upper
        "outpatient#window9",  # lower, symbol, digit
        "门诊收费Window7",  # Chinese counts as a symbol
    ],
)
def test_strong_enough_passwords_pass(password):
    ComplexityValidator(min_length=10).validate(password)


@pytest.mark.parametrize(
    "password",
    [
        "opsdesk-demo",  # lower and symbol only
        "alllowercaseletters",
        "ALLUPPER2027",  # upper and digit only
        "Sh0rt-pw",  # four kinds but 8 characters
    ],
)
def test_too_simple_passwords_are_refused(password):
    with pytest.raises(ValidationError) as refused:
        ComplexityValidator(min_length=10).validate(password)
    assert refused.value.error_list[0].code == "password_too_simple"


def test_the_minimum_length_comes_from_the_settings(settings):
    settings.PASSWORD_MIN_LENGTH = 14
    with pytest.raises(ValidationError):
        ComplexityValidator().validate("Ward7-Printer")
    ComplexityValidator().validate("Ward7-Printer-2")


def test_character_kinds():
    assert character_kinds("aB3$") == {"lower", "upper", "digit", "symbol"}
    assert character_kinds("abc def") == {"lower", "symbol"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_message_names_the_minimum_length_in_either_language(language):
    with translation.override(language), pytest.raises(ValidationError) as refused:
        ComplexityValidator(min_length=12).validate("opsdesk-demo")
    assert "12" in refused.value.messages[0]
    assert "12" in ComplexityValidator(min_length=12).get_help_text()


def test_the_rules_run_with_django_s_own_validators(db):
    user = User(username="yn-newcomer", full_name="新同事")
    with pytest.raises(ValidationError) as refused:
        validate_password("password", user)
    codes = {error.code for error in refused.value.error_list}
    assert {"password_too_short", "password_too_common", "password_too_simple"} <= codes
    validate_password("Ward7-Printer", user)


def test_setting_a_password_records_when(db):
    user = User.objects.create_user("yn-newcomer", password="Ward7-Printer")
    assert user.password_changed_at is not None
    moment = timezone.now() + dt.timedelta(days=3)
    user.set_password("Ward8-Printer")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        user.save(update_fields=["password"])
    user.refresh_from_db()
    assert user.password_changed_at == moment


def test_saving_other_fields_or_upgrading_the_hash_keeps_the_date(db, settings):
    user = User.objects.create_user("yn-newcomer", password="Ward7-Printer")
    recorded = user.password_changed_at
    user.full_name = "新同事"
    user.save()
    # A sign-in with a weaker, older hasher re-hashes the same password: not a change.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    fresh = User.objects.get(pk=user.pk)
    assert fresh.check_password("Ward7-Printer")
    assert fresh.password.startswith("pbkdf2_")
    fresh.refresh_from_db()
    assert fresh.password_changed_at == recorded
