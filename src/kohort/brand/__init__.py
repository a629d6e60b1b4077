"""Brand settings: how a merchant looks on shopper pages and in emails, per organization and mode."""
