"""Messages of shared screen texts: loading, safe text, formatting: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
}
