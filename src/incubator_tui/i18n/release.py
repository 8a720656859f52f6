"""Messages of version, bundle and packaging: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
}
