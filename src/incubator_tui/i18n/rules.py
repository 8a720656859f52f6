"""Messages of the domain rules (errors, warnings, labels): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # months and dates
    "rules.month_format": ("“{text}”不是有效的月份（应为 2024-03、2024/3 或 2024年3月）", "“{text}” is not a month (use 2024-03, 2024/3 or 2024年3月)"),
    "rules.date_format": ("“{text}”不是有效的日期（应为 2024-03-01、2024/3/1 或 2024年3月1日）", "“{text}” is not a date (use 2024-03-01, 2024/3/1 or 2024年3月1日)"),
    "rules.month_future": ("{month}尚未到来（本月为{current}），不能录入分数", "{month} has not come yet (this month is {current}): it cannot be scored"),
    "rules.date_future": ("日期{date}晚于今天（{today}）", "The date {date} is after today ({today})"),
    # names
    "rules.name_control": ("名称中含有不可见字符或控制字符 {code}（第{position}个字符），请删除后再保存", "The name holds an invisible or control character {code} (character {position}); remove it"),
    # unified social credit code
    "rules.credit_code_length": ("统一社会信用代码“{code}”应为18位，实际为{length}位", "The unified social credit code “{code}” must have 18 characters, not {length}"),
    "rules.credit_code_char": ("统一社会信用代码“{code}”第{position}位的“{char}”不是允许的字符", "The unified social credit code “{code}” has a character not allowed at position {position}: “{char}”"),
    "rules.credit_code_check": ("统一社会信用代码“{code}”校验位应为“{expected}”，实际为“{actual}”，请核对", "The check character of the unified social credit code “{code}” should be “{expected}”, not “{actual}”: please verify"),
    # item scores
    "rules.score_not_number": ("“{value}”不是分数（请填写数字、N/A 或 不适用）", "“{value}” is not a score (enter a number, N/A or 不适用)"),
    "rules.score_negative": ("分数“{value}”不能为负数", "The score “{value}” cannot be negative"),
    "rules.score_above_max": ("分数“{value}”超过该项满分{max}分", "The score “{value}” is above the item's maximum of {max}"),
    "rules.score_off_step": ("分数“{value}”须以{step}分为单位", "The score “{value}” must be in steps of {step}"),
    # cases
    "rules.illegal_transition": ("案件处于“{state}”状态，不能{action}", "A case in the state “{state}” cannot {action}"),
    "rules.action.record_interview": ("记录约谈", "record the interview"),
    "rules.action.extend": ("延期", "extend the deadline"),
    "rules.action.record_review_pass": ("记录复查：整改到位", "record the review: rectified"),
    "rules.action.record_review_fail": ("记录复查：整改不到位", "record the review: not rectified"),
    "rules.action.object_upheld": ("记录申诉：维持退出", "record the objection: exit upheld"),
    "rules.action.object_accepted": ("记录申诉：申诉成立", "record the objection: accepted"),
    "rules.action.record_exit": ("记录退出", "record the exit"),
    "rules.action.withdraw": ("撤销", "withdraw"),
    "rules.reason_required": ("请填写原因", "A reason is required"),
    "rules.extension_not_later": ("延期后的期限（{new}）须晚于原期限（{current}）", "The extended deadline ({new}) must be later than the current one ({current})"),
    "rules.objection_before_notice": ("申诉日期（{date}）早于退出通知日期（{notice}）", "The objection date ({date}) is before the exit notice ({notice})"),
    "rules.objection_late": ("申诉日期（{date}）已超过申诉期限（{deadline}）", "The objection ({date}) is after the objection deadline ({deadline})"),
    "rules.holidays_missing": ("{years}年的法定节假日和调休上班日未设置，交接期限按周一至周五计算，请核对", "No public holidays or make-up working days are set for {years}: the hand-over deadline counts Monday to Friday only, please verify"),
    # annual review
    "rules.component.party": ("党建落实", "party-building"),
    "rules.component.monthly": ("月度积分", "monthly score"),
    "rules.component.self": ("自评", "self evaluation"),
    "rules.component.peer": ("互评", "peer evaluation"),
    "rules.component.public": ("群众评", "public evaluation"),
    "rules.component_range": ("{component}得分“{value}”须在0到100之间", "The {component} score “{value}” must be between 0 and 100"),
    "rules.peer_few_raters": ("互评人数少于3个", "Fewer than 3 peer ratings"),
    "rules.peer_self_ignored": ("组织对自身的互评不计入", "A peer rating by the organisation itself is not counted"),
    # settings
    "rules.setting_unknown": ("未知的设置项“{key}”", "Unknown setting “{key}”"),
    "rules.setting_invalid": ("设置项“{key}”的值“{value}”无效", "The value “{value}” is not valid for the setting “{key}”"),
}
