"""Messages of the database file, its safety, backups and locks: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
}
