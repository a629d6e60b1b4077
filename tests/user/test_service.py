"""Dashboard accounts: Argon2id hashes, one account per address, password rules."""

from __future__ import annotations

import pytest

from kohort.db import Database
from kohort.errors import KohortError, NotFound
from kohort.user import service
from kohort.user.domain import Role
from tests.factories.dashboard import PASSWORD, create_user
from tests.factories.merchant import Merchant


async def test_passwords_are_stored_as_argon2id(database: Database, merchant: Merchant) -> None:
    user = await create_user(database, merchant.id, role=Role.VIEWER)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert user.role == Role.VIEWER


async def test_one_account_per_address_whatever_its_case(database: Database, merchant: Merchant,
                                                         other_merchant: Merchant) -> None:
    user = await create_user(database, merchant.id)
    with pytest.raises(KohortError) as refused:
        await create_user(database, other_merchant.id, email=user.email.upper())
    assert refused.value.code == "USER_EXISTS"


@pytest.mark.parametrize(("email", "password"), [("short@shop.example", "tooshort"), ("not-an-address", PASSWORD),
                                                 ("long@shop.example", "x" * 1025)])
async def test_bad_addresses_and_passwords_are_refused(database: Database, merchant: Merchant, email: str,
                                                       password: str) -> None:
    with pytest.raises(KohortError) as refused:
        await create_user(database, merchant.id, email=email, password=password)
    assert refused.value.code == "VALIDATION_ERROR"


async def test_a_user_belongs_to_an_existing_organization(database: Database) -> None:
    with pytest.raises(NotFound):
        await create_user(database, "org_missing")


async def test_a_new_password_replaces_the_old_one(database: Database, merchant: Merchant) -> None:
    user = await create_user(database, merchant.id)
    async with database.transaction() as connection:
        await service.set_password(connection, user.email, "a brand new passphrase")
    with pytest.raises(service.LoginRefused):
        await service.log_in(database, email=user.email, password=PASSWORD)
    started = await service.log_in(database, email=user.email, password="a brand new passphrase")
    assert started.session.user.id == user.id
