"""Messages of the district exchange: SQLite export, merge, Excel exports, restore: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
}
