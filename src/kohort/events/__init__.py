"""Typed domain events and the outbox they are written to, in the caller's transaction.

A service that changes something a merchant should hear about records an event here; the events API
and webhook deliveries read them. Nothing here calls back into a service that writes."""
