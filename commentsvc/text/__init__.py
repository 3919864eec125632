"""Pure text, no database: the comment sanitizer, the sensitive-word matcher and avatars."""
