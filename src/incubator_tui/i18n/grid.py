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
}
