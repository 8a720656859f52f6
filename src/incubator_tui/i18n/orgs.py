"""Messages: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
}
