"""Messages of the app on a district database (#11): the all-centres view, the centre picker, the
read-only scores: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- the scope
    "district.all_centres": ("全部中心", "all centres"),
    "district.scope_all": ("全部中心（{n}个）", "All centres ({n})"),
    "district.switched_all": ("已切换到全部中心（{n}个）：每个页面带中心列", "Now showing all {n} centres, with a centre column"),
    "district.cmd.all_help": ("区级数据库：各中心一起看（总览按中心汇总）", "the district database: every centre at once (the dashboard per centre)"),
    "district.col.centre": ("中心", "Centre"),
    # ---- choosing one centre
    "district.pick.title": ("选择孵化中心", "Choose a centre"),
    "district.pick.hint": ("↑↓ 选择 · Enter 确定 · Esc 取消", "↑↓ choose · Enter confirm · Esc cancel"),
    "district.pick.scoring": ("月度考评一次录一个中心的分数：请选择中心", "Monthly scoring is for one centre at a time: choose the centre"),
    "district.pick.one": ("这项操作针对一个中心：请选择中心", "This is done for one centre: choose the centre"),
    "district.pick.review": ("年度考评的录入和定级针对一个中心：请选择中心",
                             "The annual review is typed and finalised for one centre: choose the centre"),
    "district.review.one_centre": ("全部中心只供查看：要录入，请先切换到一个中心（ctrl+p 切换中心）",
                                   "All centres are shown for reading: to type, switch to one centre first (ctrl+p)"),
    # ---- read-only scores
    "district.read_only": (
        "「{name}」的数据来自区级合并，分数在该中心自己的数据库里录入（下次合并会替换这里的数据），此处只读；"
        "确需在此修改，请用 incubator-tui --edit-district 打开",
        "The data of \"{name}\" came from a district merge: its scores are entered in the centre's own database "
        "(its next merge replaces what is here), so they are read-only here; to change them here anyway, open the "
        "app with incubator-tui --edit-district",
    ),
    "district.read_only_banner": ("区级数据库：分数只读（在各中心自己的数据库录入）",
                                  "District database: scores are read-only (entered in each centre's own database)"),
    "district.cli.help_edit": ("在区级数据库中也允许录入分数（合并来的中心下次合并时会被替换）",
                               "allow typing scores in a district database too (a merged centre's rows are replaced "
                               "by its next merge)"),
    # ---- the dashboard per centre
    "district.dash.centres_title": ("各中心（Enter 切换到该中心）", "Centres (Enter: that centre)"),
    "district.dash.line_progress": ("本月 {complete}/{total}", "month {complete}/{total}"),
    "district.dash.line_paused": ("本月不考评", "month paused"),
    "district.dash.line_flags": ("红{red} 黄{amber}", "red {red} amber {amber}"),
    "district.dash.line_cases": ("案件 {n}", "cases {n}"),
    "district.dash.line_overdue": ("逾期 {n}", "overdue {n}"),
}
