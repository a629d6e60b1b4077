"""The merchant dashboard's accounts: users of one organization, their roles, passwords and sessions."""
