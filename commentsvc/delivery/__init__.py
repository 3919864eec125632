"""The delivery worker: turns outbox events into deliveries and makes them, over SMTP and HTTP, at least once."""
