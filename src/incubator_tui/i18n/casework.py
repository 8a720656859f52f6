"""Messages of case pages, case forms and notices: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- checks (rules and services)
    "casework.required": ("必填", "required"),
    "casework.before_opened": ("日期（{date}）早于立案日期（{other}）", "The date ({date}) is before the case was opened ({other})"),
    "casework.date_future": ("日期（{date}）晚于今天（{today}）", "The date ({date}) is after today ({today})"),
    "casework.items_required": ("至少填写一项整改事项", "At least one rectification item is needed"),
    "casework.item_description_required": ("整改事项内容必填", "The item needs a description"),
    "casework.item_deadline_required": ("整改期限必填", "The item needs a deadline"),
    "casework.deadline_before_interview": ("整改期限（{date}）早于约谈日期（{other}）", "The deadline ({date}) is before the interview ({other})"),
    "casework.result_required": ("请选择结果：1 或 2", "Choose the result: 1 or 2"),
    "casework.review_before_interview": ("复查日期（{date}）早于约谈日期（{other}）", "The review ({date}) is before the interview ({other})"),
    "casework.done_before_interview": ("完成日期（{date}）早于约谈日期（{other}）", "The date done ({date}) is before the interview ({other})"),
    "casework.decision_before_objection": ("决定日期（{date}）早于申诉日期（{other}）", "The decision ({date}) is before the objection ({other})"),
    "casework.deadline_not_after": ("新的整改期限（{date}）须晚于决定日期（{other}）", "The new deadline ({date}) must be after the decision ({other})"),
    "casework.exit_before_order": ("退出日期（{date}）早于责令退出通知日期（{other}）", "The exit ({date}) is before the exit order ({other})"),
    "casework.no_objection": ("没有待决定的申诉", "There is no objection waiting for a decision"),
    "casework.bad_time": ("时间“{text}”不存在", "The time “{text}” does not exist"),
    "casework.unknown_item": ("没有这个整改事项", "No such rectification item"),
    "casework.items_locked": ("只有整改中的案件才能修改整改事项", "Items can be changed only while the case is rectifying"),
    "casework.item_from_checklist": ("{name}（{months}扣分）", "{name} (points lost {months})"),
    "casework.item_from_component": ("{component}得分{value}，须整改提高", "{component} scored {value}: to be improved"),
    "casework.item_default": ("按约谈要求整改", "Rectify as agreed at the interview"),
    # event actions (the case's timeline)
    "rules.action.object": ("记录申诉", "record an objection"),
    "cases.action.object": ("申诉", "objection"),
    "cases.action.item_done": ("整改事项完成", "item done"),
    "cases.action.item_reopened": ("整改事项重新打开", "item reopened"),
    "cases.action.notice": ("生成通知书", "notice written"),
}
