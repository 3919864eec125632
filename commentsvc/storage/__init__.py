"""How the database is driven fast: engine set-up, write turns, migrations, prepared statements by name,
per-worker memos and session events. The only room for performance tricks; imports no domain or web code."""
