"""Organizations (merchants), their API keys and their group settings."""
