"""Messages shared by every layer: key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "category.charity": ("公益慈善", "charity"),
    "category.culture": ("文化艺术", "culture"),
    "category.community": ("社区服务", "community"),
    "category.volunteer": ("志愿服务", "volunteer"),
    "status.incubating": ("在孵", "incubating"),
    "status.to_interview": ("约谈中", "to interview"),
    "status.rectifying": ("整改中", "rectifying"),
    "status.exit_ordered": ("责令退出", "exit ordered"),
    "status.exited": ("已退出", "exited"),
    "status.graduated": ("已出壳", "graduated"),
    "case_state.to_interview": ("待约谈", "to interview"),
    "case_state.rectifying": ("整改中", "rectifying"),
    "case_state.rectified": ("整改到位", "rectified"),
    "case_state.exit_ordered": ("责令退出", "exit ordered"),
    "case_state.exited": ("已退出", "exited"),
    "case_state.withdrawn": ("已撤销", "withdrawn"),
    "case_kind.monthly": ("月度", "monthly"),
    "case_kind.annual": ("年度", "annual"),
    "case_kind.veto": ("一票否决", "veto"),
    "legal_form.social_group": ("社会团体", "social group"),
    "legal_form.service_org": ("社会服务机构", "social service organisation"),
    "legal_form.foundation": ("基金会", "foundation"),
    "legal_form.community_filed": ("备案社区社会组织", "filed community organisation"),
    "legal_form.startup": ("初创团队", "start-up team"),
    "party_form.independent": ("独立党组织", "own party organisation"),
    "party_form.joint": ("联合党组织", "joint party organisation"),
    "party_form.instructor": ("党建指导员", "party-building instructor"),
    "party_form.none": ("无", "none"),
    "fee_relief.utilities": ("水电减免", "utilities relief"),
    "fee_relief.service_for_rent": ("以服务换租金", "service for rent"),
    "fee_relief.none": ("无", "none"),
    "na": ("不适用", "N/A"),
    # Separators between the parts of a list, per language (#13: no full-width punctuation in English).
    "sep.enum": ("、", ", "),  # names or months in a run: 2025-01、2025-02
    "sep.comma": ("，", ", "),  # clauses or labelled values: 党建 30，月度 30
    "sep.semicolon": ("；", "; "),  # groups that hold commas themselves: 2025-01 4.5；2025-02 4.0
}
