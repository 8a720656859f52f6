"""Messages of case pages, case forms and notices: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
}
