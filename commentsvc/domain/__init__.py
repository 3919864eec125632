"""Business rules as plain functions taking a session and plain values (now and the client included):
no Flask, no SQL tuning (that is storage/'s job)."""
