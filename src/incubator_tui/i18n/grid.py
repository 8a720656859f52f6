"""Messages of the scoring grid widget and its editing model: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # future months (DOMAIN 7: a month after the current one cannot be scored)
    "grid.readonly_future": (
        "{month} 尚未到来（本月为 {current}），不能评分",
        "{month} has not come yet (this month is {current}): it cannot be scored",
    ),
    "grid.banner.future": (
        "{month} 尚未到来，只读（本月为 {current}）",
        "{month} has not come yet: read-only (this month is {current})",
    ),
    "grid.state.future": ("未到", "not yet"),
    "grid.close_future": ("{month} 尚未到来，不能关账", "{month} has not come yet: it cannot be closed"),
    # saves that failed and their retry (issue 7.4)
    "grid.key.retry": ("重试保存", "Retry saves"),
    "grid.save_failed": (
        "未保存（{name} · {item}）：{error}。所填的值保留，按 {key} 重试",
        "Not saved ({name} · {item}): {error}. The value is kept: press {key} to retry",
    ),
    "grid.detail.failed": ("未保存：{error}（{key} 重试）", "not saved: {error} ({key} retries)"),
    "grid.progress_failed": (" · 未保存 {count}", " · not saved {count}"),
    "grid.nothing_to_retry": ("没有未保存的格子", "Nothing is waiting to be saved again"),
    "grid.retrying": ("正在重试保存 {count} 格", "Saving {count} cells again"),
    "grid.retry_saved": ("已保存（{name} · {item}）", "Saved ({name} · {item})"),
    # entry at spreadsheet speed (issue 13)
    "grid.title": ("月度考评", "Monthly scores"),
    "grid.help.hint": (
        "表格中 Enter/Tab 确认并到下一项 · ↑↓ 滚动 · Esc 关闭",
        "In the grid Enter/Tab commit and move on · ↑↓ scroll · Esc to close",
    ),
    "grid.key.undo": ("撤销", "Undo"),
    "grid.key.redo": ("重做", "Redo"),
    "grid.key.copy_last": ("同上月", "As last month"),
    "grid.key.fill_last": ("余项同上月", "Rest as last month"),
    "grid.key.fill_down": ("向下填充", "Fill down"),
    "grid.key.search": ("查找组织", "Find org"),
    "grid.total.missing": ("缺{missing}", "{missing} left"),
    "grid.detail.provisional": ("暂计 {total}，尚缺 {missing} 项", "provisional {total}: {missing} items blank"),
    "grid.detail.last": ("上月（{month}）{value}", "last month ({month}) {value}"),
    "grid.last.loading": ("正在读取上月的分数，请稍候", "Last month's scores are still loading, one moment"),
    "grid.last.none": ("{month} 之前一年内没有可复制的月份", "No month in the year before {month} to copy from"),
    "grid.last.exempt_then": (
        "{name} 上月（{month}）免考评，没有可复制的分数",
        "{name} was exempt last month ({month}): nothing to copy",
    ),
    "grid.last.blank": (
        "{name} · {item} 上月（{month}）未评，没有可复制的值",
        "{name} · {item} was not scored last month ({month}): nothing to copy",
    ),
    "grid.last.invalid": (
        "{name} · {item} 上月（{month}）为 {value}，不合现在的满分 {max} 或分数步长，未复制",
        "{name} · {item} was {value} last month ({month}), not a valid score now (max {max}): not copied",
    ),
    "grid.last.some_blank": (
        "{name}：{item} 上月（{month}）未评，请补录",
        "{name}: {item} not scored last month ({month}): type them",
    ),
    "grid.fill_down.none": ("上方没有 {item} 的分数可复制", "Nothing above to copy for {item}"),
    "grid.undone": ("已撤销：{what}", "Undone: {what}"),
    "grid.redone": ("已重做：{what}", "Redone: {what}"),
    "grid.undo.one": ("{name} · {item} {old} → {new}", "{name} · {item} {old} → {new}"),
    "grid.undo.reason": ("{name} · {item} 的扣分原因", "the reason of {name} · {item}"),
    "grid.undo.many": ("{name} 的 {count} 项（{items}）", "{count} items of {name} ({items})"),
    "grid.undo.nothing": ("本月没有可撤销的修改", "Nothing to undo in this month"),
    "grid.redo.nothing": ("没有可重做的修改", "Nothing to redo"),
    "grid.undo.stale": (
        "{name} 的这处修改之后又被改过，不能撤销",
        "{name} was changed again since: this change cannot be undone",
    ),
    "grid.search.title": ("查找组织", "Find an organisation"),
    "grid.search.placeholder": ("名称、拼音首字母（如 cg）或全拼", "name, pinyin initials (e.g. cg) or full pinyin"),
    "grid.search.hint": (
        "Enter 到匹配的组织（再按 / Enter 到下一个）· Esc 取消",
        "Enter goes to the match (/ Enter again: the next one) · Esc cancels",
    ),
    "grid.search.none": ("没有找到“{query}”", "No organisation matches “{query}”"),
    "grid.search.count": ("{count} 个匹配 · Enter 到：{name}", "{count} matching · Enter goes to {name}"),
    "grid.exempt.scored.title": ("{name} 本月已有评分", "{name} has scores this month"),
    "grid.exempt.scored.body": (
        "免考评后这些分数保留（灰显），但 {month} 不计入合计和连低。继续设为免考评？",
        "Exempted, these scores are kept (dimmed) but {month} does not count in totals or streaks. Exempt anyway?",
    ),
    "grid.button.continue": ("继续", "Continue"),
    # the month's first screenful first, then the rest (session 6)
    "grid.progress.reading": ("正在读取其余 {count} 家组织的分数…", "reading the other {count} organisations' scores…"),
    "grid.detail.reading": ("正在读取该组织本月的分数…", "reading this organisation's scores…"),
    "grid.keys_held": (
        "正在读取本月其余组织的分数：按键已记下，读完即依次执行",
        "Reading the month's other scores: your keys are kept and run in order once they are in",
    ),
    "grid.rest_loading": (
        "正在读取本月其余组织的分数，请稍候再按",
        "Still reading the month's other scores: press it again in a moment",
    ),
    # the rest of the month could not be read (its read failed): said, and read again by a key
    "grid.key.reread": ("重新读取本月", "Read the month again"),
    "grid.progress.unread": (
        "其余 {count} 家组织的分数未能读取（{key} 重新读取）",
        "the other {count} organisations' scores could not be read ({key} reads them again)",
    ),
    "grid.detail.unread": ("该组织本月的分数未能读取（{key} 重新读取）", "this organisation's scores could not be read ({key} reads them again)"),
    "grid.rest_failed": (
        "本月其余 {count} 家组织的分数未能读取；按 {key} 重新读取本月",
        "The other {count} organisations' scores could not be read: press {key} to read the month again",
    ),
    "grid.rest_failed.keys": (
        "本月其余 {count} 家组织的分数未能读取：记下的 {keys} 个按键未执行，未保存任何内容；按 {key} 重新读取本月",
        "The other {count} organisations' scores could not be read: the keys kept ({keys}) were not run and "
        "nothing was saved from them; press {key} to read the month again",
    ),
    "grid.rest_failed.refused": (
        "本月其余组织的分数未能读取，此键要用到它们：请先按 {key} 重新读取本月",
        "The month's other scores could not be read and this key needs them: press {key} to read the month again first",
    ),
    "grid.rereading": ("正在重新读取本月", "Reading the month again"),
}
