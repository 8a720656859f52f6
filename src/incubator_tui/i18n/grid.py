"""Messages of the scoring grid widget and its editing model: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
}
