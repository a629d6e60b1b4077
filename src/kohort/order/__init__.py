"""Order intake: validates, finds or creates the customer, opens or joins a group."""
