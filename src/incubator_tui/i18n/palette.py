"""Messages of the command palette (ctrl+p) and its import dialog: key -> (zh, en).

``palette.names.*`` are search words, never shown: the other names a user may type for a
command, separated by ``|``.  The palette searches them in both languages, so ``export``
finds 导出 in the Chinese app and 导出 finds Export in the English one.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    "palette.no_matches": ("没有匹配的命令", "No matching command"),
    "palette.no_matches_help": ("换个词试试，如：导出、导入、案件、设置", "try another word: export, import, cases, settings"),
    "palette.export": ("导出与备份…", "Exports and backup…"),
    "palette.export_help": ("区级数据文件、年度 Excel 报表、空白检查表、立即备份",
                            "the district's data file, the year's Excel report, a blank inspection sheet, a backup"),
    "palette.import": ("导入文件…", "Import a file…"),
    "palette.import_help": ("组织、月度评分、年度考评、考评细则或节假日（CSV 或 XLSX）",
                            "organisations, monthly scores, reviews, a checklist or holidays (CSV or XLSX)"),
    "palette.names.dashboard": ("首页|主页|预警", "home|overview|flags"),
    "palette.names.orgs": ("组织名录|社会组织|名录", "organisations|organizations|orgs"),
    "palette.names.scoring": ("评分|打分|月规范|月度评分", "scoring|scores|monthly"),
    "palette.names.cases": ("约谈|整改|立案", "case|interview|rectification"),
    "palette.names.review": ("年考核|评星|星级|定级", "review|ratings|stars"),
    "palette.names.switch_centre": ("切换中心|切换孵化中心|孵化中心", "switch centre|switch center|centre|center"),
    "palette.names.export": ("导出|报表|检查表|区级", "export|report|excel|sheet|district"),
    "palette.names.import": ("导入|导入组织|导入评分|导入文件", "import|import file"),
    "palette.names.backup": ("备份|立即备份", "backup|back up"),
    "palette.names.restore": ("恢复|还原", "restore"),
    "palette.names.settings": ("设置|配置|考评细则|节假日", "settings|preferences|checklist|holidays"),
    "palette.names.help": ("帮助|按键|快捷键", "help|keys"),
    "palette.names.theme": ("主题|配色|颜色", "theme|colours|colors"),
    "palette.names.quit": ("退出|关闭", "quit|exit"),
    # The import dialog (palette: 导入文件…)
    "importer.title": ("导入文件到孵化中心「{centre}」", "Import a file into the centre \"{centre}\""),
    "importer.intro": ("CSV、Excel（.xlsx）文件均可。全部无误才写入；有错时不作任何修改，并指出行和列。",
                       "A CSV or Excel (.xlsx) file. Nothing is written unless the whole file is right; "
                       "an error names its line and column."),
    "importer.path": ("文件路径", "File path"),
    "importer.kind": ("导入什么（回车开始导入）", "What it holds (Enter imports)"),
    "importer.kind.orgs": ("组织名录", "Organisations"),
    "importer.kind.scores": ("月度评分", "Monthly scores"),
    "importer.kind.reviews": ("年度考评（党建、自评、互评、群众评、一票否决）", "Annual review (party, self, peer, public, veto)"),
    "importer.kind.checklist": ("考评细则（新版本）", "Checklist (a new version)"),
    "importer.kind.holidays": ("节假日与调休上班日", "Public holidays and make-up working days"),
    "importer.hint": ("输入路径后回车，再选择导入什么；Esc 关闭", "Type the path and press Enter, then choose what it holds; Esc closes"),
    "importer.path_required": ("请输入文件路径", "Type the file's path"),
    "importer.no_file": ("找不到文件：{path}", "No such file: {path}"),
    "importer.running": ("正在导入 {file}…", "Importing {file}…"),
    "importer.os_error": ("无法读取文件：{detail}", "Cannot read the file: {detail}"),
}
