"""Once settled, the group page shows each participant's final cashback; an expired group says so."""

from kohort.email.sender import MemorySender
from kohort.runtime import Runtime
from kohort.worker.runner import Runner
from tests.factories.merchant import Merchant
from tests.factories.referral_group import end_now
from tests.factories.withdrawal import settled_group


async def test_completed_group_shows_final_cashback_and_no_invite_panel(
    runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    page = (await merchant.client.get(f"/en_US/pg/{placed[0]['paymentGroupShareId']}")).text
    assert "Completed: cashback unlocked" in page
    assert "final" in page
    assert "€3.00" in page
    assert "€8.00" in page
    assert 'id="invite"' not in page


async def test_expired_group_page_and_email(runtime: Runtime, merchant: Merchant, outbox: MemorySender) -> None:
    owner = await merchant.order(amount=3000)
    await end_now(merchant, owner["paymentGroupId"])
    page = (await merchant.client.get(f"/fr_FR/pg/{owner['paymentGroupShareId']}")).text
    assert "Terminé sans ami" in page
    await Runner(runtime, batch_size=100).drain()
    assert any(email.to == owner["customerEmail"] and "terminée" in email.subject for email in outbox.sent)
