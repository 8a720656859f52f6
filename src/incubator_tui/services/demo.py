"""A living demo centre for newcomers (DOMAIN 10, ``incubator-tui demo``).

``create_demo`` fills an empty database with one centre of the district report
(雪宫社会组织创新发展中心 by default): organisations with realistic Chinese
names, contacts, credit codes and agreements, months of scores with reasons for
lost points, a paused Spring Festival month, an exemption, cases in every state
(opened by the monthly rule and moved with the case services, so their events
and audit exist), and the last complete year's review inputs, finalised.

Everything is drawn from one ``random.Random(seed)``: the same seed gives the
same names, scores and cases, and the ids this module inserts itself.  Scores
are written with bulk Core inserts (360k rows for 500 orgs × 120 months in a
few seconds), all in one transaction.

The story (``n`` = scored months, paused month excluded; roles are dropped when
the centre is too small or too short for them):

- one org red-flagged now (its last 3 months low), its case waiting for the interview;
- one amber (its last 2 months low);
- one rectifying (a low run 3-5 months ago, interviewed, deadline extended);
- one exit-ordered (review failed this month, objection upheld);
- one whose case was withdrawn (the centre's renovation caused the low scores);
- one recovered (a past run, rectified, good months since);
- one exited more than a year ago after a failed review;
- two graduated (出壳), one exemption, and the year's annual cases.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from fractions import Fraction
from itertools import accumulate
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from incubator_tui.errors import UserError
from incubator_tui.models import (
    CaseEvent, Centre, CentreMonth, Exemption, ImportBatch, Organisation, OrgCase, PeerRating, Rating,
    RectificationItem, ReviewInput, Score,
)
from incubator_tui.rules.membership import member_in
from incubator_tui.rules.months import (
    first_day, month_from_index, month_index, month_of, months_between, next_month, parse_month, previous_month,
)
from incubator_tui.services import audit
from incubator_tui.services.bulk import BulkInsert, uuid4_hex

# ---------------------------------------------------------------- the report


@dataclass
class DemoReport:
    centre: str
    orgs: int
    months: int
    first_month: str
    last_month: str
    current_month: str  # the month after last_month: partly entered
    scores: int  # score rows written (values and N/A)
    cases: dict[str, int]  # state code -> number of cases
    red: list[str] = field(default_factory=list)  # org names flagged red as of last_month
    amber: list[str] = field(default_factory=list)
    review_year: int | None = None
    finalised: bool = False
    paused_month: str | None = None


# ---------------------------------------------------------------- the centres

# The four centres of the district report: category, where, contact, its rules.
CENTRES: dict[str, tuple[str, str]] = {
    "辛店街道社会组织党建服务中心": ("charity", "山东省淄博市临淄区辛店街道党群服务中心三楼"),
    "稷下文化创客中心": ("culture", "山东省淄博市临淄区稷下街道文化活动中心二楼"),
    "雪宫社会组织创新发展中心": ("community", "山东省淄博市临淄区雪宫街道党群服务中心二楼"),
    "淄江之家社会组织发展中心": ("volunteer", "山东省淄博市临淄区淄江之家社区服务中心一楼"),
}
DEMO_CENTRE = "雪宫社会组织创新发展中心"
PLACEHOLDER_CENTRE = "孵化中心"  # the name a new database's first centre has until renamed

# ---------------------------------------------------------------- names

# Showcase organisations, always first (a newcomer and the tests look for them):
# name, category, profile, legal form, party form, enters during the period.
HEADLINE = (
    ("晨光公益服务社", "charity", "excellent", "service_org", "joint", False),
    ("稷下青年书画社", "culture", "good", "community_filed", "instructor", False),
    ("牛山社区小扳手互助维修队", "community", "good", "community_filed", "joint", False),
    ("雪宫社区银龄互助会", "community", "excellent", "community_filed", "joint", False),
    ("淄江之家青年志愿者联合会", "volunteer", "excellent", "social_group", "independent", False),
    ("齐都蹴鞠文化推广中心", "culture", "good", "service_org", "joint", False),
    ("闻韶社区四点半课堂服务社", "community", "average", "startup", "none", True),
    ("辛店街道巾帼志愿服务队", "volunteer", "good", "community_filed", "instructor", False),
)

_PLACES = (
    "雪宫", "稷下", "牛山", "淄江", "辛店", "齐都", "闻韶", "桓公", "晏婴", "管仲", "齐园", "金山", "凤凰",
    "敬仲", "朱台", "皇城", "金岭", "齐陵", "天齐", "太公", "临淄", "齐兴",
)
_COMMUNITIES = tuple(p + "社区" for p in (
    "牛山", "雪宫", "晏婴", "桓公", "管仲", "齐园", "天齐", "太公", "齐兴", "闻韶", "稷下", "金山",
    "西关", "东关", "南关", "北关", "遄台", "康平", "福山", "韶院", "崇文", "葵花", "大武", "梧台",
))
_STREETS = ("辛店街道", "稷下街道", "雪宫街道", "闻韶街道", "淄江之家")
_BRANDS = (
    "晨光", "微光", "暖阳", "春苗", "启航", "同心", "善行", "和美", "向阳", "星火", "小橘灯", "萤火虫",
    "四叶草", "齐善", "暖心", "益家",
)
_CULTURE_BRANDS = ("齐韵", "墨香", "和鸣", "稷下学宫")

# category -> (prefixes, ((theme, forms), ...))
_GRAMMAR: dict[str, tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "charity": (_PLACES + _COMMUNITIES + _STREETS + _BRANDS, (
        ("公益", ("服务社", "协会", "发展中心")),
        ("爱心助学", ("协会", "服务社")),
        ("助残", ("服务中心", "服务社")),
        ("慈善救助", ("服务社", "协会")),
        ("关爱留守儿童", ("服务中心", "服务社")),
        ("困境家庭帮扶", ("服务中心",)),
        ("助老", ("服务社", "服务中心")),
        ("微心愿", ("服务社",)),
        ("爱心厨房", ("服务社",)),
        ("公益助学", ("促进会",)),
        ("儿童关爱", ("服务中心",)),
        ("大病救助", ("互助会",)),
        ("衣物捐赠", ("服务站",)),
    )),
    "culture": (_PLACES + _COMMUNITIES + _STREETS + _CULTURE_BRANDS, (
        ("青年书画", ("社", "协会", "院")),
        ("齐文化研学", ("社", "服务中心", "促进会")),
        ("吕剧", ("票友社", "艺术团")),
        ("蹴鞠文化", ("推广中心", "协会", "俱乐部")),
        ("剪纸艺术", ("工作室", "社")),
        ("陶艺", ("工作室", "社")),
        ("摄影", ("协会", "社")),
        ("银龄合唱", ("团",)),
        ("古琴", ("社", "雅集")),
        ("民乐", ("团", "社")),
        ("读书", ("会", "社")),
        ("非遗传承", ("工作室", "促进会")),
        ("太极拳", ("协会", "俱乐部")),
        ("广场舞", ("队", "协会")),
    )),
    "community": (_PLACES + _COMMUNITIES + _STREETS + _BRANDS, (
        ("银龄互助", ("会",)),
        ("小扳手互助维修", ("队",)),
        ("邻里守望", ("服务队", "互助会")),
        ("四点半课堂", ("服务社", "工作室")),
        ("家庭教育", ("服务中心", "指导站")),
        ("矛盾调解", ("工作室",)),
        ("老年餐桌", ("服务社",)),
        ("垃圾分类", ("宣传队", "服务社")),
        ("睦邻", ("服务中心", "议事会")),
        ("居家养老", ("服务中心", "服务社")),
        ("楼道长", ("联谊会",)),
        ("心理健康", ("服务中心", "工作室")),
        ("便民服务", ("队", "社")),
        ("社区营造", ("中心", "工作室")),
        ("物业共治", ("议事会",)),
    )),
    "volunteer": (_PLACES + _COMMUNITIES + _STREETS + _BRANDS, (
        ("青年志愿者", ("联合会", "协会", "服务队")),
        ("巾帼志愿", ("服务队",)),
        ("应急救援", ("队", "志愿服务队")),
        ("环保志愿", ("服务队", "协会")),
        ("文明劝导", ("志愿服务队",)),
        ("助老志愿", ("服务队",)),
        ("红马甲", ("志愿服务队",)),
        ("义务献血", ("志愿者协会",)),
        ("交通劝导", ("志愿服务队",)),
        ("党员先锋", ("志愿服务队",)),
        ("义工", ("联合会", "协会")),
        ("大学生志愿者", ("服务队",)),
    )),
}
# Forms under which an organisation is usually registered with civil affairs.
_REGISTERED_FORMS = {
    "协会": "social_group", "联合会": "social_group", "促进会": "social_group", "志愿者协会": "social_group",
    "服务中心": "service_org", "发展中心": "service_org", "服务社": "service_org", "推广中心": "service_org",
    "院": "service_org",
}

_SURNAMES = (
    "王李张刘陈杨赵孙周吴徐马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石贾夏付方白邹孟秦邱江尹薛闫段雷侯史陶贺顾毛郝邵万钱武戴孔汤"
)
_GIVEN = (
    "建华", "秀英", "海燕", "志强", "丽娟", "晓东", "玉兰", "俊杰", "雪梅", "国栋", "春燕", "立新", "桂兰", "文静",
    "子涵", "宇航", "欣怡", "浩然", "佳怡", "明辉", "红霞", "晓燕", "永刚", "淑珍", "建国", "海涛", "丽华", "凤英",
    "金凤", "德胜", "玉梅", "振华", "晓丽", "爱民", "庆华", "秀兰", "国庆", "雅琴", "思远", "梦瑶", "伟", "芳", "娜",
    "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰", "涛", "超", "霞", "刚", "鹏", "慧", "婷", "颖",
)
_MOBILE = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158", "159",
           "176", "177", "178", "180", "182", "183", "185", "186", "187", "188", "189")

# Reasons for points lost (扣分原因), by item code.
_REASONS = {
    "plan": ("工作计划未按时报送", "月度计划落实不到位", "工作计划内容过于简单", "计划与实际开展活动不符"),
    "hygiene": ("卫生区域未清理", "办公桌面杂乱", "垃圾未及时清运", "活动室地面有污渍"),
    "party": ("党建活动记录不全", "未按期开展主题党日", "党员学习未签到", "党建台账未更新"),
    "activity": ("服务活动次数不足", "活动记录缺少照片", "活动未提前报备", "服务对象签到表缺失"),
    "records": ("台账不完整", "财务凭证未归档", "会议记录缺失", "档案未分类装盒"),
    "safety": ("离开未断电", "消防通道堆放杂物", "私拉电线", "灭火器未按期检查"),
}
_GENERIC_REASON = ("未达到考评要求", "资料不齐全")
_RENOVATION = {
    "hygiene": "活动室改造施工，卫生区域无法清理",
    "activity": "场地停用，服务活动暂停",
    "plan": "因场地停用，月度计划未落实",
}
_ITEM_WEIGHT = {"plan": 3, "hygiene": 3, "records": 3, "activity": 2, "party": 2, "safety": 1}

# Points lost in an ordinary month, in hundredths, by profile.
_LOSS = {
    "excellent": (0, 50, 50, 100, 100, 150),
    "good": (50, 100, 100, 150, 150, 200, 250),
    "average": (100, 150, 200, 200, 250, 300),
    "struggling": (200, 250, 300, 300, 350, 400),
}
_QUALITY = {"excellent": 94, "good": 89, "average": 83, "struggling": 70}

# The scripted roles: minimum scored months, and per month counted back from
# the last scored month (-1 = the last), the total relative to the threshold
# in hundredths (-50 = half a point below: low; 0 = exactly the threshold: not low).
_ROLES: dict[str, tuple[int, dict[int, int]]] = {
    "red": (4, {-3: -50, -2: -100, -1: -150}),
    "amber": (3, {-3: 50, -2: -50, -1: -100}),
    "rectifying": (6, {-5: -50, -4: -100, -3: -50, -2: 50, -1: 100}),
    "exit_ordered": (9, {-8: -100, -7: -150, -6: -100, -5: 0, -4: 50, -3: -50, -2: 0, -1: -50}),
    "withdrawn": (12, {-11: -100, -10: -200, -9: -100}),
    "recovered": (16, {-15: -50, -14: -50, -13: -100, -12: 100, -11: 150}),
    "exited": (22, {-21: -150, -20: -200, -19: -150}),
}
_ROLE_ORDER = ("red", "amber", "rectifying", "exit_ordered", "recovered", "withdrawn", "exited")
_RUN_END = {"red": -1, "rectifying": -3, "exit_ordered": -6, "withdrawn": -9, "recovered": -13, "exited": -19}

_BEIJING = timezone(timedelta(hours=8))


def _uid(rng: random.Random) -> str:
    """A UUID4 hex from the seeded generator (same as uuid.UUID(int=..., version=4).hex)."""
    return uuid4_hex(rng.getrandbits(128))


SCORE_COLUMNS = ("id", "org_id", "month", "item_id", "value_cent", "na", "reason", "batch_id", "created_at",
                 "updated_at")
_ENCODED = ("na", "created_at", "updated_at")  # converted once per distinct value by _month_rows' callers


class _ScoreWriter:
    """Bulk inserts of score rows given as tuples in SCORE_COLUMNS order (services.bulk),
    with the month results kept in step.  ``encode`` converts the ``na`` flag and the
    timestamps once per distinct value, as the driver receives them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.bulk = BulkInsert(session, Score.__table__, SCORE_COLUMNS)

    def encode(self, column: str, value: Any) -> Any:
        return self.bulk.encode(column, value)

    def write(self, rows: list[tuple]) -> int:
        if not rows:
            return 0
        self.bulk.insert(rows, encoded=_ENCODED)
        # Keep the month results (the cache behind streaks and totals) in step.
        from incubator_tui.services.monthly import refresh_results

        refresh_results(self.session, {r[1] for r in rows}, {r[2] for r in rows})
        return len(rows)


class _ScoreIds:
    """UUID4-shaped ids for the score rows: a seeded random prefix, then a counter.

    Generated in insertion order they sort in insertion order, so the primary
    key index is appended to instead of being written all over: the 360k rows
    of ``--orgs 500 --months 120`` go in about twice as fast as with
    scattered ids.  Still unique across centres (74 random bits in the prefix).
    """

    def __init__(self, rng: random.Random) -> None:
        full = uuid4_hex(rng.getrandbits(128))
        self.prefix, self.next = full[:20], rng.getrandbits(44)

    def __call__(self) -> str:
        self.next += 1
        return f"{self.prefix}{self.next:012x}"


def _stamp(day: date, hour: int = 9, minute: int = 30) -> datetime:
    """A time on ``day`` in Beijing, as the aware UTC datetime the models store."""
    return datetime.combine(day, time(hour, minute), _BEIJING).astimezone(timezone.utc)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _last_day(month: str) -> date:
    return first_day(next_month(month)) - timedelta(days=1)


# ---------------------------------------------------------------- planning


@dataclass(eq=False)  # identity: orgs are compared and removed from lists by who they are
class _Org:
    id: str
    name: str
    category: str
    legal_form: str
    party_form: str
    entry: date
    profile: str
    headline: bool
    veteran: bool
    role: str | None = None
    status: str = "incubating"
    end: date | None = None  # graduation date (an exit is recorded by its case)
    exit_on: date | None = None  # planned exit (the exited role)
    fields: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, tuple[int, bool]] = field(default_factory=dict)  # month -> (target in hundredths, low)
    partial: int = 0  # current month: number of items entered (0 = all, when planned)
    year_totals: list[Fraction] = field(default_factory=list)
    recent: dict[str, tuple[int, int]] = field(default_factory=dict)  # month -> (earned, Σ max), last 3 years


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE) + f"{rng.randrange(10 ** 8):08d}"


def _name_pool(rng: random.Random, category: str) -> list[tuple[str, str]]:
    """Every (name, form) the grammar makes for a category, shuffled."""
    prefixes, themes = _GRAMMAR[category]
    pool = [(p + theme + form, form) for p in prefixes for theme, forms in themes for form in forms]
    rng.shuffle(pool)
    return pool


def _credit_code(rng: random.Random, legal_form: str) -> str:
    from incubator_tui.rules.credit_code import CHARSET, compute_check_char

    kind = {"social_group": "1", "service_org": "2", "foundation": "3"}[legal_form]
    body = "5" + kind + "370305" + "MJ" + "".join(rng.choice(CHARSET[:10] * 3 + CHARSET[10:]) for _ in range(7))
    return body + compute_check_char(body)


def _plan_orgs(rng: random.Random, n_orgs: int, centre_cat: str, months: list[str]) -> list[_Org]:
    first = months[0]
    start = first_day(first)
    cats = ("charity", "culture", "community", "volunteer")
    cat_weights = [4 if c == centre_cat else 2 for c in cats]
    pools = {c: _name_pool(rng, c) for c in cats}
    used: set[str] = set()
    orgs: list[_Org] = []

    def entry_date(veteran: bool) -> date:
        if veteran or len(months) < 3:
            return start - timedelta(days=rng.randrange(30, 4 * 365))
        m = months[rng.randrange(1, len(months))]
        return first_day(m) + timedelta(days=rng.randrange(0, 28))

    for name, cat, profile, legal, party, entrant in HEADLINE[:n_orgs]:
        used.add(name)
        orgs.append(_Org(_uid(rng), name, cat, legal, party, entry_date(not entrant), profile, True, not entrant))
    while len(orgs) < n_orgs:
        cat = rng.choices(cats, cat_weights)[0]
        pool = pools[cat]
        while pool and pool[-1][0] in used:
            pool.pop()
        if not pool:  # this category is used up: take another
            cat_weights[cats.index(cat)] = 0
            if not any(cat_weights):
                raise ValueError(f"the demo can name at most {len(used)} organisations")
            continue
        name, form = pool.pop()
        used.add(name)
        registered = _REGISTERED_FORMS.get(form)
        r = rng.random()
        if registered and r < 0.55:
            legal = registered
        elif r < (0.85 if registered else 0.6):
            legal = "community_filed"
        else:
            legal = "startup"
        party = rng.choices(
            ("independent", "joint", "instructor", "none"),
            {"social_group": (3, 5, 2, 0), "service_org": (3, 5, 2, 0), "community_filed": (0, 4, 5, 1),
             "startup": (0, 0, 3, 7)}[legal],
        )[0]
        profile = rng.choices(("excellent", "good", "average", "struggling"), (25, 40, 25, 10))[0]
        if legal == "startup" and profile == "excellent":
            profile = "good"
        veteran = rng.random() < 0.75
        orgs.append(_Org(_uid(rng), name, cat, legal, party, entry_date(veteran), profile, False, veteran))
    return orgs


def _fill_fields(rng: random.Random, orgs: list[_Org], centre_short: str, until: date) -> None:
    """Contacts, codes, agreements (in force on ``until``), rooms: what the org form shows."""
    registered = [o for o in orgs if o.legal_form in ("social_group", "service_org", "foundation")]
    bad_code = next((o for o in registered if not o.headline), None)
    registered_ids = {o.id for o in registered}
    seq: Counter[int] = Counter()
    for o in sorted(orgs, key=lambda x: (x.entry, x.id)):
        year = o.entry.year
        start = o.entry  # three-year agreements, renewed while the org stays
        while _add_years(start, 3) <= min(until, o.end or until):
            start = _add_years(start, 3)
        seq[start.year] += 1
        code = _credit_code(rng, o.legal_form) if o.id in registered_ids else None
        warning = False
        if code and o is bad_code:  # a real early code that fails the check: a warning, not a block
            from incubator_tui.rules.credit_code import CHARSET

            code = code[:17] + CHARSET[(CHARSET.index(code[17]) + 7) % len(CHARSET)]
            warning = True
        filing = f"临民社备〔{year}〕{rng.randrange(1, 200):03d}号" if o.legal_form == "community_filed" else ""
        shared = o.legal_form == "startup"
        o.fields = {
            "credit_code": code,
            "credit_code_warning": warning,
            "filing_no": filing,
            "contact": _person(rng),
            "phone": _mobile(rng),
            "agreement_no": f"{centre_short}孵协〔{start.year}〕{seq[start.year]:03d}号",
            "agreement_start": start,
            "agreement_end": _add_years(start, 3) - timedelta(days=1),
            "deposit_cent": 0 if shared else rng.choice((50000, 100000, 100000, 200000)),
            "room": f"共享工位 {rng.randrange(1, 30)}号" if shared else f"{rng.randrange(1, 4)}{rng.randrange(1, 20):02d}室",
            "fee_relief": rng.choices(("utilities", "service_for_rent", "none"), (5, 3, 2))[0],
            "note": "",
        }


# ---------------------------------------------------------------- scores


class _Month:
    """What a month needs for generating its score rows (the threshold as exact integers)."""

    __slots__ = ("month", "items", "num", "den", "low_cap", "ok_floor", "step", "at", "_scored")

    def __init__(self, month: str, items: list, threshold: Fraction, step: int, at: datetime) -> None:
        self.month, self.items, self.step, self.at = month, items, step, at
        self.num, self.den = threshold.numerator, threshold.denominator
        self.low_cap = math.floor(threshold * 100)  # a low target is below this
        self.ok_floor = math.ceil(threshold * 100)  # a target that is not low is at least this
        self._scored: dict[bool, tuple] = {}

    def scored(self, party_na: bool) -> tuple[list, list[int], int, set[str]]:
        """(scored items, their cumulative weights, Σ max, N/A item ids) for an org with or without party N/A."""
        got = self._scored.get(party_na)
        if got is None:
            na = {it.id for it in self.items if it.code == "party"} if party_na else set()
            scored = [it for it in self.items if it.id not in na] or list(self.items)
            if len(scored) == len(self.items):
                na = set()
            got = self._scored[party_na] = (
                scored, list(accumulate(_ITEM_WEIGHT.get(it.code, 1) for it in scored)),
                sum(it.max_cent for it in scored), na,
            )
        return got


def _earned(target: int, maxsum: int, m: _Month, low: bool) -> int:
    """Points earned (hundredths, on the step) for a target total (hundredths of 10); low or not, as asked."""
    step, num, den = m.step, m.num, m.den
    raw = target * maxsum  # earned × 1000
    if low:
        earned = min(maxsum, max(0, raw // (1000 * step) * step))
        while earned > 0 and not 10 * earned * den < num * maxsum:
            earned -= step
    else:
        earned = min(maxsum, max(0, -(-raw // (1000 * step)) * step))
        while earned < maxsum and 10 * earned * den < num * maxsum:
            earned += step
    return earned


def _month_rows(rng: random.Random, new_id: _ScoreIds, na_values: tuple, org: _Org, m: _Month, target: int,
                low: bool, batch_id: str, renovation: bool = False) -> tuple[list[tuple], int, int]:
    """The month's score rows for ``org`` (every item), with (earned, Σ max of the scored items)."""
    scored, cum, maxsum, na = m.scored(org.party_form == "none")
    earned = _earned(target, maxsum, m, low)
    deficit = maxsum - earned
    lost: dict[str, int] = {}
    if renovation:  # the withdrawn case: the centre's works, not the org
        for it in sorted(scored, key=lambda i: i.code not in _RENOVATION):
            take = min(deficit, it.max_cent)
            if take:
                lost[it.id] = take
                deficit -= take
    choices, unit = rng.choices, (m.step, m.step, 2 * m.step, 3 * m.step)
    while deficit > 0:
        it = choices(scored, cum_weights=cum)[0]
        room = it.max_cent - lost.get(it.id, 0)
        if room <= 0:
            continue
        take = min(deficit, room, unit[rng.randrange(4)])
        lost[it.id] = lost.get(it.id, 0) + take
        deficit -= take
    rows = []
    month, at, org_id = m.month, m.at, org.id
    is_na_value, not_na_value = na_values
    for it in m.items:
        if it.id in na:
            value, is_na, reason = None, is_na_value, "初创团队，尚无党员" if org.legal_form == "startup" else ""
        else:
            loss = lost.get(it.id, 0)
            value, is_na = it.max_cent - loss, not_na_value
            if not loss:
                reason = ""
            elif renovation and it.code in _RENOVATION:
                reason = _RENOVATION[it.code]
            else:
                reason = rng.choice(_REASONS.get(it.code, _GENERIC_REASON))
        rows.append((new_id(), org_id, month, it.id, value, is_na, reason, batch_id, at, at))
    return rows, earned, maxsum


# ---------------------------------------------------------------- entry point


def create_demo(
    db, *, orgs: int = 40, months: int = 24, seed: int = 2026, operator: str = "demo",
    centre_name: str | None = None, end_month: str | None = None,
) -> DemoReport:
    """Create the demo centre in ``db`` (one transaction); refuses a database that holds organisations."""
    if orgs < 1 or months < 1:
        raise ValueError("orgs and months must be at least 1")
    from incubator_tui.services.clock import current_month

    end = parse_month(end_month) if end_month else previous_month(current_month())
    with db.bulk_session() as session:
        if session.execute(select(func.count()).select_from(Organisation)).scalar_one():
            raise UserError("demo.not_empty", path=str(getattr(db, "path", "")))
        return _create(session, orgs, months, seed, operator, centre_name, end)


def _centre(session: Session, rng: random.Random, name: str, operator: str) -> Centre:
    from incubator_tui.services.centres import create_centre

    category, address = CENTRES.get(name, ("community", "山东省淄博市临淄区"))
    fields = {
        "address": address,
        "contact": _person(rng),
        "phone": f"0533-7{rng.randrange(10 ** 6):06d}",
        "rules_title": f"{name}入驻社会组织管理办法（试行）",
    }
    centres = list(session.execute(select(Centre)).scalars())
    existing = next((c for c in centres if c.name == name), None)
    if existing is None and len(centres) == 1 and centres[0].name == PLACEHOLDER_CENTRE:
        existing = centres[0]  # the first-run placeholder: make it the demo centre
    if existing is None:
        return create_centre(session, name, operator, category=category, id=_uid(rng), **fields)
    changes = {"name": name, "category": category, **{k: v for k, v in fields.items() if not getattr(existing, k)}}
    audit.record_changes(session, operator, "centre", existing.id, {k: getattr(existing, k) for k in changes}, changes)
    for k, v in changes.items():
        setattr(existing, k, v)
    session.add(existing)
    session.flush()
    return existing


def _create(session: Session, n_orgs: int, n_months: int, seed: int, operator: str,
            centre_name: str | None, end: str) -> DemoReport:
    from incubator_tui.rules.settings import in_force, threshold_for
    from incubator_tui.services.centres import Checklists, setting_entries
    from incubator_tui.services.orgs import pinyin_keys

    rng = random.Random(seed)
    name = centre_name or DEMO_CENTRE
    centre = _centre(session, rng, name, operator)
    short = name[:2]
    cid = centre.id

    # ---- the calendar
    months = months_between(month_from_index(month_index(end) - n_months + 1), end)
    current = next_month(end)
    febs = [m for m in months[:-3] if m.endswith("-02")]
    paused = febs[-1] if febs else None
    active = [m for m in months if m != paused]
    n = len(active)
    checklists = Checklists(session, cid)
    entries = setting_entries(session, cid)
    thr_at, step_at = threshold_for(entries), in_force(entries, "score_step_cent")
    writer = _ScoreWriter(session)
    info = {
        m: _Month(m, checklists.items_for(m), thr_at(m), step_at(m), writer.encode(
            "created_at", _stamp(first_day(m) + timedelta(days=0 if m == current else 24), 10)))
        for m in active + [current]
    }

    # ---- organisations and their roles
    orgs = _plan_orgs(rng, n_orgs, centre.category, months)
    candidates = [o for o in orgs if o.veteran and not o.headline]
    rng.shuffle(candidates)
    if len(candidates) < len(_ROLE_ORDER) + 3:  # a small demo: showcase orgs may take roles too
        candidates += [o for o in orgs if o.veteran and o.headline and o.name != HEADLINE[0][0]]
    for role in _ROLE_ORDER:
        if n >= _ROLES[role][0] and candidates:
            o = candidates.pop(0)
            o.role, o.profile = role, "average"
            if o.party_form == "none":
                o.party_form = "instructor"
    graduates = []
    for back in (-14, -6):
        if n >= -back + 2:
            o = next((c for c in candidates if c.profile in ("excellent", "good")), None)
            if o is not None:
                candidates.remove(o)
                o.status, o.end = "graduated", _last_day(active[back])
                graduates.append(o)
    exempt = None
    if n >= 9:
        exempt_org = next((c for c in candidates if c.profile in ("excellent", "good")), None)
        if exempt_org is not None:
            candidates.remove(exempt_org)
            exempt = (exempt_org, active[-7])
    _fill_fields(rng, orgs, short, first_day(end))
    for o in graduates:
        o.fields["note"] = f"{o.end.year}年{o.end.month}月出壳，已在区民政局登记并迁入自有场地"
    role_of = {o.role: o for o in orgs if o.role}

    # ---- case dates, known before the scores (the exited org's membership ends with its exit)
    dates: dict[str, dict[str, date]] = {}
    for role, o in role_of.items():
        if role == "amber":
            continue
        opened = first_day(active[_RUN_END[role]]) + timedelta(days=25)
        d = {"open": opened, "interview": opened + timedelta(days=10)}
        if role == "rectifying":
            d["extend"] = first_day(current) + timedelta(days=19)
        elif role == "exit_ordered":
            d["review"] = first_day(end) + timedelta(days=17)
            d["objection"] = d["review"] + timedelta(days=4)
        elif role == "withdrawn":
            d["withdraw"] = opened + timedelta(days=3)
        elif role == "recovered":
            d["review"] = d["interview"] + timedelta(days=28)
        elif role == "exited":
            d["review"] = d["interview"] + timedelta(days=40)
            d["exit"] = d["review"] + timedelta(days=28)
            o.exit_on = d["exit"]
        dates[role] = d

    # ---- the score plan: a target total per member month
    review_year = int(end[:4]) if end.endswith("-12") else int(end[:4]) - 1
    scored_months = active + [current]
    for o in orgs:
        last = o.end or o.exit_on
        script = {}
        if o.role:
            script = {active[i]: off for i, off in _ROLES[o.role][1].items()}
            if o.role == "exited":
                after = [m for m in active if active[-19] < m <= month_of(o.exit_on)]
                script.update({m: (-150, -100, -150, -200)[k % 4] for k, m in enumerate(after)})
        entered_now = False
        if not o.role and o.status == "incubating" and member_in(current, o.entry, None):
            r = rng.random()
            entered_now = r < 0.47
            o.partial = rng.randrange(2, 5) if 0.35 <= r < 0.47 else 0
        prev_low = False
        entry_i = month_index(month_of(o.entry))
        allow_lows = o.profile == "struggling" and not o.role
        for m in scored_months:
            if not member_in(m, o.entry, last) or (m == current and not entered_now):
                continue
            if exempt and exempt[0] is o and m == exempt[1]:
                continue
            mi = info[m]
            if m in script:
                off = script[m]
                prev_low = off < 0
                o.plan[m] = (mi.low_cap + off if prev_low else mi.ok_floor + off, prev_low)
                continue
            loss = rng.choice(_LOSS[o.profile]) + (50 if month_index(m) - entry_i < 4 else 0)
            if allow_lows and not prev_low and rng.random() < 0.15:
                o.plan[m] = (mi.low_cap - rng.choice((50, 100)), True)
                prev_low = True
            else:
                o.plan[m] = (max(1000 - loss, mi.ok_floor), False)
                prev_low = False

    # ---- write: the batch, months, exemption, organisations
    now = _stamp(first_day(current))
    batch_id = _uid(rng)
    label = f"incubator-tui demo --orgs {n_orgs} --months {n_months} --seed {seed} ({end})"
    session.execute(insert(ImportBatch.__table__), [{
        "id": batch_id, "centre_id": cid, "kind": "demo", "filename": label,
        "sha256": hashlib.sha256(label.encode()).hexdigest(), "at": now, "operator": operator,
        "added": 0, "changed": 0, "summary": {},
    }])
    month_rows = []
    for m in months[:-1]:  # past months are closed (locked); the last month is still open for corrections
        month_rows.append({
            "id": _uid(rng), "centre_id": cid, "month": m, "closed": m != end, "paused": m == paused,
            "note": "春节假期，全中心不考评" if m == paused else "", "updated_at": now,
        })
    if month_rows:
        session.execute(insert(CentreMonth.__table__), month_rows)
        audit.record_many(session, (
            audit.audit_row(operator, "centre_month", r["id"], key, False, True, batch_id)
            for r in month_rows for key in ("paused", "closed") if r[key]
        ))
    pending_audit = []
    org_rows = []
    for o in orgs:
        pinyin, initials = pinyin_keys(o.name)
        org_rows.append({
            "id": o.id, "centre_id": cid, "name": o.name, "category": o.category, "legal_form": o.legal_form,
            "party_form": o.party_form, "entry_date": o.entry, "status": o.status, "end_date": o.end,
            "evidence": [], "previous_id": None, "pinyin": pinyin, "initials": initials,
            "created_at": now, "updated_at": now, **o.fields,
        })
        pending_audit.append(audit.audit_row(operator, "organisation", o.id, "name", None, o.name, batch_id))
    session.execute(insert(Organisation.__table__), org_rows)
    if exempt:
        ex_id = _uid(rng)
        reason = "负责人住院治疗，经中心同意本月免考评"
        session.execute(insert(Exemption.__table__), [{
            "id": ex_id, "org_id": exempt[0].id, "month": exempt[1], "reason": reason, "active": True,
            "created_at": _stamp(first_day(exempt[1]) + timedelta(days=9)), "updated_at": now,
        }])
        pending_audit.append(audit.audit_row(operator, "exemption", ex_id, "reason", None, reason, batch_id))
    audit.record_many(session, pending_audit)

    # ---- scores: everything in bulk, except the case orgs' months after their run
    total_scores = 0
    year_prefix = f"{review_year:04d}-"
    recent = months[max(0, len(months) - 36)]  # enough history for the report's flags
    score_id = _ScoreIds(rng)
    na_values = (writer.encode("na", True), writer.encode("na", False))
    held: dict[str, list[tuple]] = {}  # role -> rows written after its case opened
    rows: list[tuple] = []
    for o in orgs:
        run_end = active[_RUN_END[o.role]] if o.role in _RUN_END else None
        later = held.setdefault(o.role, []) if run_end else None
        for m, (target, low) in o.plan.items():
            month_rows_, earned, maxsum = _month_rows(rng, score_id, na_values, o, info[m], target, low, batch_id,
                                                      renovation=o.role == "withdrawn" and low)
            if m == current and o.partial:
                month_rows_ = month_rows_[:o.partial]
            else:
                if m.startswith(year_prefix):
                    o.year_totals.append(Fraction(10 * earned, maxsum))
                if m >= recent:
                    o.recent[m] = (earned, maxsum)
            (later if later is not None and m > run_end else rows).extend(month_rows_)
    total_scores += writer.write(rows)
    for role in _ROLE_ORDER:
        if role in role_of and role in dates:
            _play_case(session, rng, cid, role_of[role], role, dates[role], operator)
        total_scores += writer.write(held.get(role, []))

    # ---- the annual review of the last complete year
    finalised = False
    reviewed = review_year if month_index(f"{review_year:04d}-12") - month_index(months[0]) >= 5 else None
    if reviewed is not None:
        finalised = _reviews(session, rng, cid, orgs, reviewed, end, batch_id, operator)

    session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
        added=total_scores, summary={"orgs": len(orgs), "scores": total_scores, "first": months[0], "last": end,
                                     "seed": seed}))
    red, amber = _flags(orgs, end, paused, exempt, entries)
    return _report(session, centre, len(orgs), months, current, total_scores, reviewed, finalised, paused,
                   red, amber)


# ---------------------------------------------------------------- cases


def _restamp(session: Session, case_id: str, since: datetime, when: datetime) -> None:
    """Date the events a service call just wrote as they happened in the story, a second
    apart in the order they were written: events are read in time order, and two at the
    same instant (an objection and its decision) would come back in either order."""
    session.flush()
    written = session.execute(
        select(CaseEvent.id).where(CaseEvent.case_id == case_id, CaseEvent.at >= since).order_by(CaseEvent.at)
    ).scalars().all()
    for n, event_id in enumerate(written):
        session.execute(update(CaseEvent).where(CaseEvent.id == event_id).values(at=when + timedelta(seconds=n)))


def _play_case(session: Session, rng: random.Random, centre_id: str, o: _Org, role: str,
               d: dict[str, date], operator: str) -> None:
    """Open the role's monthly case by the rule and move it through the story."""
    from incubator_tui.models.base import utcnow
    from incubator_tui.services import cases
    from incubator_tui.rules.scoring import format_total
    from incubator_tui.rules.settings import threshold_for
    from incubator_tui.services.cases import ItemSpec
    from incubator_tui.services.centres import setting_entries

    t0 = utcnow()
    opened = cases.open_monthly_cases(session, centre_id, [o.id], operator, on=d["open"])
    if len(opened) != 1:
        raise RuntimeError(f"demo: the {role} run of {o.name} did not open its case")
    case = opened[0]
    case.opened_at = _stamp(d["open"], 16)
    session.add(case)
    _restamp(session, case.id, t0, case.opened_at)
    contact = o.fields["contact"]
    centre = session.get(Centre, centre_id)
    threshold = threshold_for(setting_entries(session, centre_id))(case.months[-1])
    thr_text = str(threshold) if threshold.denominator == 1 else format_total(threshold)

    def step(when: date, fn, **kw) -> None:
        t = utcnow()
        fn(session, case.id, operator, **kw)
        _restamp(session, case.id, t, _stamp(when, rng.randrange(9, 17), rng.choice((0, 15, 30, 45))))

    if role == "withdrawn":
        step(d["withdraw"], cases.withdraw, on=d["withdraw"],
             reason="经核实，低分系中心活动室改造停用所致，非组织自身原因，撤销本案")
        return
    if "interview" not in d or role == "red":
        return
    reasons = session.execute(
        select(Score.reason).where(Score.org_id == o.id, Score.month.in_(case.months), Score.reason != "")
        .order_by(Score.month, Score.id)
    ).scalars().all()
    problems = list(dict.fromkeys(reasons))[:3] or ["月度考评多项未达标"]
    step(d["interview"], cases.record_interview, on=d["interview"], place="中心二楼会议室",
         interviewers=f"{centre.contact}（中心主任）、{_person(rng)}（党建指导员）",
         attendees=f"{contact}（负责人）",
         problems=f"连续{len(case.months)}个月考评低于{thr_text}分：" + "；".join(problems),
         commitments="一个月内完成整改，每周向中心报送整改进度",
         items=[ItemSpec(f"整改：{p}", owner=contact) for p in problems[:2]])
    deadline = session.execute(
        select(func.max(RectificationItem.deadline)).where(RectificationItem.case_id == case.id)
    ).scalar_one()
    if role == "rectifying" and d["extend"] > deadline:
        step(deadline - timedelta(days=3), cases.extend, new_deadline=d["extend"],
             reason="负责人参加区里集中培训，申请延期完成台账整改")
    elif role == "exit_ordered" and d["review"] - timedelta(days=14) > deadline:
        step(deadline - timedelta(days=2), cases.extend, new_deadline=d["review"] - timedelta(days=14),
             reason="整改进度缓慢，给予一次延期，逾期不到位将责令退出")
    if role == "recovered":
        step(d["review"], cases.record_review, on=d["review"], passed=True,
             findings="复查验收：各项整改到位，计划按时报送，台账齐全")
    if role in ("exit_ordered", "exited"):
        step(d["review"], cases.record_review, on=d["review"], passed=False,
             findings="复查验收：工作计划仍未按时报送，活动记录缺失，整改不到位")
        if role == "exit_ordered":
            step(d["objection"], cases.record_objection, on=d["objection"],
                 objection="认为扣分标准过严，申请复核", accepted=False, decision="经中心复核，维持责令退出决定")
        else:
            step(d["exit"], cases.record_exit, on=d["exit"])
            session.execute(update(Organisation).where(Organisation.id == o.id).values(
                note=f"{d['exit'].year}年{d['exit'].month}月因整改不到位退出本中心"))


# ---------------------------------------------------------------- reviews


def _clamp(v: float) -> int:
    """A component in hundredths, on whole points, within 0..100."""
    return int(max(0, min(100, round(v)))) * 100


def _reviews(session: Session, rng: random.Random, centre_id: str, orgs: list[_Org], year: int, end: str,
             batch_id: str, operator: str) -> bool:
    """Inputs and peer ratings for ``year``; finalised (in January after it) when the year is over."""
    from incubator_tui.rules.rating import monthly_component, rate
    from incubator_tui.services import reviews

    # Reviewed (and raters): the orgs still in the centre at the year's end, when the review is made.
    december = f"{year:04d}-12"
    reviewed = [o for o in orgs if member_in(december, o.entry, o.end or o.exit_on)]
    # Designated levels so that every star count shows, whatever the seed.
    rateable = sorted((o for o in reviewed if len(o.year_totals) >= 6),
                      key=lambda o: sum(o.year_totals) / len(o.year_totals))
    targets: dict[str, float] = {}
    if len(rateable) >= 5:
        targets[rateable[0].id], targets[rateable[1].id] = 50, 64
        targets[rateable[len(rateable) // 2].id] = 75
        targets[rateable[-2].id], targets[rateable[-1].id] = 85, 94
    when = _stamp(date(year, 12, 28), 14)
    input_rows: list[dict] = []
    peer_rows: list[dict] = []
    audit_rows: list[dict] = []
    for o in reviewed:
        q = _QUALITY[o.profile] + rng.uniform(-4, 4)
        party = {"independent": q + 4, "joint": q + 1, "instructor": q - 4,
                 "none": rng.uniform(56, 74)}[o.party_form]
        comps = {"party": party, "self": min(99, q + rng.uniform(3, 9)), "public": q + rng.uniform(-6, 6)}
        if targets.get(o.id, 0) >= 80:
            comps["party"] = max(comps["party"], q)  # a designated 4 or 5 stars is not capped by the party gate
        raters = [r for r in reviewed if r is not o]
        chosen = rng.sample(raters, min(len(raters), rng.randrange(3, 7)))
        peer = [q + rng.uniform(-8, 8) for _ in chosen]
        monthly = monthly_component(o.year_totals)
        if o.id in targets and monthly is not None:
            for _ in range(3):  # nudge the centre's components towards the designated composite
                trial = {c: Fraction(_clamp(v), 100) for c, v in comps.items()}
                trial["peer"] = Fraction(sum(_clamp(v) for v in peer), 100 * len(peer)) if peer else Fraction(0)
                trial["monthly"] = monthly
                composite = rate(trial).composite
                delta = (targets[o.id] - float(composite)) * 100 / 70
                comps = {c: v + delta for c, v in comps.items()}
                peer = [v + delta for v in peer]
        review_id = _uid(rng)
        values = {"party_cent": _clamp(comps["party"]), "self_cent": _clamp(comps["self"]),
                  "public_cent": _clamp(comps["public"])}
        input_rows.append({"id": review_id, "org_id": o.id, "year": year, "veto": "", "batch_id": batch_id,
                           "created_at": when, "updated_at": when, **values})
        audit_rows.extend(audit.audit_row(operator, "review_input", review_id, key, None, v, batch_id)
                          for key, v in values.items())
        peer_rows.extend({"id": _uid(rng), "org_id": o.id, "year": year, "rater_org_id": r.id,
                          "value_cent": _clamp(v), "active": True, "batch_id": batch_id, "created_at": when}
                         for r, v in zip(chosen, peer))
    # Written as an import of the review sheet would be: in bulk, audited by the batch.
    if input_rows:
        session.execute(insert(ReviewInput.__table__), input_rows)
        audit.record_many(session, audit_rows)
    if peer_rows:
        session.execute(insert(PeerRating.__table__), peer_rows)
    if int(end[:4]) <= year:
        return False  # the year has only just ended: its ratings stay live
    on = date(year + 1, 1, 20)
    result = reviews.finalise_year(session, centre_id, year, operator)
    _date_finalising(session, centre_id, year, on)
    _play_annual_cases(session, rng, centre_id, year, on, end, operator)
    return bool(result.rated)


def _date_finalising(session: Session, centre_id: str, year: int, on: date) -> None:
    """Finalising happened in January after the year: date its ratings and annual cases so."""
    when = _stamp(on, 15)
    rating_rows = session.execute(
        select(Rating).join(Organisation, Organisation.id == Rating.org_id)
        .where(Organisation.centre_id == centre_id, Rating.year == year)
    ).scalars().all()
    for r in rating_rows:
        r.finalised_at = when
        r.inputs = {**(r.inputs or {}), "date": on.isoformat()}
        session.add(r)
    case_ids = session.execute(
        select(OrgCase.id).where(OrgCase.centre_id == centre_id, OrgCase.kind == "annual", OrgCase.year == year)
    ).scalars().all()
    if case_ids:
        session.execute(update(OrgCase).where(OrgCase.id.in_(case_ids)).values(opened_on=on, opened_at=when))
        session.execute(update(CaseEvent).where(CaseEvent.case_id.in_(case_ids)).values(at=when))
    session.flush()
    session.expire_all()


def _play_annual_cases(session: Session, rng: random.Random, centre_id: str, year: int, on: date, end: str,
                       operator: str) -> None:
    """Interview the year's annual cases in February; most were rectified by the review in spring."""
    from incubator_tui.models.base import utcnow
    from incubator_tui.services import cases

    last = _last_day(end)
    rows = session.execute(
        select(OrgCase.id, Organisation.contact, Organisation.name)
        .join(Organisation, Organisation.id == OrgCase.org_id)
        .where(OrgCase.centre_id == centre_id, OrgCase.kind == "annual", OrgCase.year == year)
        .order_by(Organisation.name)
    ).all()
    centre = session.get(Centre, centre_id)
    for k, (case_id, contact, _name) in enumerate(rows):
        interview = on + timedelta(days=rng.randrange(12, 30))
        if interview > last:
            continue

        def step(when: date, fn, **kw) -> None:
            t = utcnow()
            fn(session, case_id, operator, **kw)
            _restamp(session, case_id, t, _stamp(when, rng.randrange(9, 17)))

        step(interview, cases.record_interview, on=interview, place="中心二楼会议室",
             interviewers=f"{centre.contact}（中心主任）", attendees=f"{contact}（负责人）",
             problems=f"{year}年度考评星级偏低：党建工作和服务活动记录薄弱",
             commitments="三个月内完善党建台账，每月开展一次服务活动",
             items=[cases.ItemSpec("完善党建工作台账", owner=contact),
                    cases.ItemSpec("每月开展服务活动并留存记录", owner=contact)])
        review = interview + timedelta(days=rng.randrange(80, 95))
        if k % 4 == 3 or review > last:
            continue  # still rectifying
        step(review, cases.record_review, on=review, passed=True, findings="复查验收：党建台账已完善，服务活动按月开展")


# ---------------------------------------------------------------- the report


def _flags(orgs: list[_Org], end: str, paused: str | None, exempt: tuple | None, entries: list) -> tuple[list, list]:
    """Red and amber as of ``end``, by the rules, from what was written (no need to read it back)."""
    from incubator_tui.rules.settings import threshold_for, value_in_force
    from incubator_tui.rules.streaks import MonthKind, MonthState, flag_level, streak_as_of

    thr, run_length = threshold_for(entries), value_in_force(entries, "run_length", end)
    red, amber = [], []
    for o in orgs:
        if not member_in(end, o.entry, o.end or o.exit_on):
            continue
        states = {m: MonthState(MonthKind.COMPLETE, Fraction(10 * e, ms)) for m, (e, ms) in o.recent.items()}
        if paused:
            states[paused] = MonthState(MonthKind.PAUSED)
        if exempt and exempt[0] is o:
            states[exempt[1]] = MonthState(MonthKind.EXEMPT)
        level = flag_level(streak_as_of(states, end, month_of(o.entry), thr).count, run_length)
        if level == "red":
            red.append(o.name)
        elif level == "amber":
            amber.append(o.name)
    return sorted(red), sorted(amber)


def _report(session: Session, centre: Centre, n_orgs: int, months: list[str], current: str, scores: int,
            review_year: int | None, finalised: bool, paused: str | None, red: list, amber: list) -> DemoReport:
    states = dict(session.execute(
        select(OrgCase.state, func.count()).where(OrgCase.centre_id == centre.id).group_by(OrgCase.state)
    ).all())
    return DemoReport(
        centre=centre.name, orgs=n_orgs, months=len(months), first_month=months[0], last_month=months[-1],
        current_month=current, scores=scores, cases=dict(sorted(states.items())), red=red, amber=amber,
        review_year=review_year, finalised=finalised, paused_month=paused,
    )
