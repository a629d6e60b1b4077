"""Merchants' webhook endpoints and the signed delivery of events to them (Standard Webhooks).

A consumer of events: it reads the events outbox and never calls a domain service that writes."""
