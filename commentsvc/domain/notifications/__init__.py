"""Notifications: the outbox written with every change, reply subscriptions with double opt-in, the emails
and moderator alerts they become, and the rules that fan an event out into deliveries."""
