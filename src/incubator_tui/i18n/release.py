"""Messages of version, bundle and packaging: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "release.version": (
        "incubator-tui {version}（数据库结构版本 {schema}）",
        "incubator-tui {version} (database schema {schema})",
    ),
    "release.help_version": (
        "显示程序版本和数据库结构版本后退出",
        "show the app's version and its database schema version, then exit",
    ),
}
