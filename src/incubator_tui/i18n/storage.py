"""Messages of the database file, its safety, backups and locks: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "db.not_regular": ("{path} 不是普通文件（设备、管道或失效的链接），不能用作数据库，未作任何改动",
                       "{path} is not a regular file (a device, a pipe or a broken link) and cannot be a database; "
                       "nothing was written"),
    "db.empty": ("{path} 是空文件，还不是数据库（可用 demo 或 import 命令创建）",
                 "{path} is an empty file, not a database yet (the demo or import command can create one)"),
    "db.no_permission": ("没有读取 {path} 的权限", "no permission to read {path}"),
    "db.readonly_folder": ("文件夹 {folder} 是只读的，无法写入数据库 {path}（SQLite 需要在同一文件夹写入临时文件）",
                           "the folder {folder} is read-only, cannot write the database {path} (SQLite writes "
                           "its journal files beside it)"),
    "db.readonly_file": ("数据库文件 {path} 是只读的，无法写入", "the database file {path} is read-only, cannot write"),
}
