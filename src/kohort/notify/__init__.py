"""Which shopper email each event causes, and what it shows. Called by the services where the events
happen (order intake, settlement, withdrawals, payouts, reminders), inside their transaction."""
