"""Wire schemas for `POST /withdrawals`."""

from __future__ import annotations

from pydantic import Field

from kohort.http.schemas import WireModel
from kohort.payout.schemas import Payout


class WithdrawalCreate(WireModel):
    order_id: str = Field(min_length=1, max_length=40)
    token: str = Field(min_length=1, max_length=200)
    iban: str = Field(min_length=1, max_length=50)
    holder_name: str = Field(min_length=1, max_length=70)


class Withdrawal(WireModel):
    """What the shopper's page may show: no personal data beyond the masked IBAN."""

    order_id: str
    status: str
    amount_cashback: int
    payout: Payout
