"""Messages of the settings screen, the settings command and the checklist/holidays imports: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
}
