"""The scoring grid's editing model without a terminal: what is typed, committed, refused,
waiting to be saved and failed, driven as the screen drives it (one operation per key)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from incubator_tui.editing.grid_jobs import OpJob, SaveJob
from incubator_tui.editing.grid_model import FailedSaves, GridModel, is_retryable
from incubator_tui.errors import DatabaseError, UserError
from incubator_tui.rules.errors import ScoreError
from incubator_tui.rules.streaks import MonthKind, MonthState
from incubator_tui.services.centres import Item
from incubator_tui.services.scoring import Cell, Grid, GridRow

MONTH = "2025-03"
ITEMS = [Item("i-plan", "plan", "工作计划", 200, 0), Item("i-hyg", "hygiene", "卫生清洁", 200, 1),
         Item("i-party", "party", "党建工作", 200, 2), Item("i-act", "activity", "服务活动", 200, 3),
         Item("i-rec", "records", "制度台账", 100, 4), Item("i-safe", "safety", "安全规范", 100, 5)]


def make_grid(month: str = MONTH, *, closed: bool = False, paused: bool = False, exempt_second: bool = False,
              history: dict | None = None) -> Grid:
    rows = [
        GridRow("o1", "爱心助老服务队", "aixin", "2024-06", {}),
        GridRow("o2", "彩虹青少年成长营", "caihong", "2024-06", {}, exempt="外出培训" if exempt_second else None),
        GridRow("o3", "晨光社工服务中心", "chenguang", "2024-06", {}, history=history or {}),
    ]
    return Grid("c1", month, list(ITEMS), rows, closed, paused, 50, 3, lambda m: Fraction(6))


def model_of(grid: Grid | None = None, current: str = MONTH, failed: FailedSaves | None = None) -> GridModel:
    return GridModel(grid or make_grid(), current_month=current, failed=failed)


def keys(model: GridModel, *ops) -> list:
    """Run operations as the screen would; return every save they asked for."""
    saves = []
    for op in ops:
        name, *args = op if isinstance(op, tuple) else (op,)
        if len(name) == 1 and name in "0123456789.":
            out = model.type(name)
        else:
            out = getattr(model, name)(*args)
        saves += out.saves
    return saves


# -- typing and committing ---------------------------------------------------------------------------
def test_typing_shows_the_text_with_its_mark_and_a_tentative_total():
    model = model_of()
    keys(model, "2", "commit_next")
    keys(model, "1", ".")
    view = model.row_view(0)
    assert (view.items[1].text, view.items[1].look) == ("1._", "editing")
    # 2 + 1 of 4, incomplete: provisional, with the count of items still blank (the typed one counts)
    assert (view.total.text, view.total.mark) == ("~7.5", " 缺4") and view.total.look == "muted"
    assert model.detail().startswith("输入中 “1.”")


def test_commit_saves_the_cell_and_moves_on_past_the_last_item_to_the_next_org():
    model = model_of()
    saves = keys(model, "2", "commit_next", "1", ".", "5", "commit_next", "2", "commit_next", "2", "commit_next",
                 "1", "commit_next", "1", "commit_next")
    assert (model.row, model.item) == (1, 0)
    assert [list(s.values.values()) for s in saves] == [[Cell(200)], [Cell(150)], [Cell(200)], [Cell(200)],
                                                        [Cell(100)], [Cell(100)]]
    assert all(isinstance(s, SaveJob) and s.org_id == "o1" and s.month == MONTH for s in saves)
    assert model.row_view(0).total.text == "9.5" and model.counts[:3] == [1, 0, 2]
    assert len(model.waiting) == 6  # until the queue reports them saved
    for job in saves:
        model.save_done(job)
    assert model.waiting == {}


def test_moving_on_passes_over_an_exempt_org():
    model = model_of(make_grid(exempt_second=True))
    keys(model, "fill")
    assert model.row == 2


def test_a_refused_value_stays_typed_with_the_rules_message_and_nothing_is_saved():
    model = model_of()
    model.type("3")
    out = model.commit_next()
    assert not out.ok and out.saves == []
    assert "超过该项满分2分" in out.notices[0].text and out.notices[0].severity == "error"
    assert (model.row, model.item) == (0, 0) and model.buffer == "3"
    assert model.row_view(0).items[0].look == "invalid"
    assert not model.move(1, 0).ok and model.row == 0  # an arrow does not commit it either
    assert keys(model, "backspace", "2", "commit_next")[0].values == {"i-plan": Cell(200)}


def test_escape_drops_the_typing_and_backspace_clears_a_value_but_keeps_its_reason():
    grid = make_grid()
    grid.rows[0].cells["i-plan"] = Cell(150, False, "台账不全")
    model = model_of(grid)
    keys(model, "1", "discard")
    assert model.buffer is None and model.row_view(0).items[0].text == "1.5"
    save, = keys(model, "backspace")
    assert save.values == {"i-plan": Cell(None, False, "台账不全")}
    assert model.row_view(0).items[0].text == "" and model.row_view(0).items[0].mark == "*"
    assert keys(model, "backspace") == []  # already blank: nothing to save


def test_n_and_f():
    model = model_of()
    assert keys(model, "na")[0].values == {"i-plan": Cell(None, True)}
    assert model.item == 1
    fill, = keys(model, "fill")
    assert set(fill.values) == {"i-hyg", "i-party", "i-act", "i-rec", "i-safe"}
    assert model.row == 1 and model.row_view(0).total.text == "10.0"


def test_reason_only_save_keeps_the_value():
    model = model_of()
    keys(model, "1", "commit_next")
    save = model.set_reason("o1", "i-plan", "台账不全").saves[0]
    assert save.reason_only and save.values == {"i-plan": Cell(100, False, "台账不全")}


# -- read-only months and rows -------------------------------------------------------------------------------
@pytest.mark.parametrize(("grid", "current", "words"), [
    (make_grid(closed=True), MONTH, "已关账"),
    (make_grid(paused=True), MONTH, "不考评"),
    (make_grid("2025-04"), MONTH, "2025-04 尚未到来（本月为 2025-03），不能评分"),
])
def test_typing_in_a_read_only_month_is_refused_with_a_message(grid, current, words):
    model = model_of(grid, current)
    for op in ("type", "na", "fill", "backspace"):
        out = model.type("1") if op == "type" else getattr(model, op)()
        assert not out.ok and out.saves == [] and words in out.notices[0].text
    assert model.buffer is None


def test_a_future_month_is_read_only_but_may_be_planned():
    model = model_of(make_grid("2025-04"), MONTH)
    assert model.future and model.banner()[1] == "-future"
    assert [piece for piece, _bold in model.header()][2] == "未到"
    assert model.close_refusal() == "2025-04 尚未到来，不能关账"
    out, row = model.exempt_target()  # an exemption or a pause may be entered ahead
    assert out.ok and row is model.grid.rows[0]
    assert model.pause_refusal() is None
    assert not model_of(make_grid(MONTH), MONTH).future  # the current month is not


def test_an_exempt_row_is_read_only():
    model = model_of(make_grid(exempt_second=True))
    model.move(1, 0)
    out = model.type("2")
    assert "彩虹青少年成长营 2025-03 免考评" in out.notices[0].text
    assert model.row_view(1).items[0].text == "-" and model.row_view(1).total.text == "免考评"


# -- failed saves -----------------------------------------------------------------------------------------------
def test_a_save_that_failed_on_the_database_keeps_the_value_and_is_retried_without_retyping():
    failed = FailedSaves()
    model = model_of(failed=failed)
    save, = keys(model, "2", "commit_next")
    out = model.save_failed(save, DatabaseError("db.locked", path="x.sqlite", seconds=0.3))
    assert "未保存（爱心助老服务队 · 工作计划）" in out.notices[0].text and "ctrl+r" in out.notices[0].text
    shown = model.row_view(0).items[0]
    assert (shown.text, shown.look, shown.mark) == ("2", "failed", "!")
    assert model.grid.rows[0].cells["i-plan"] == Cell(200)  # the value is kept
    assert model.failed_here() == 1 and "未保存 1" in "".join(p for p, _ in model.header())
    model.move(0, -1)
    assert "未保存：" in model.detail()
    retry = model.retry()
    job, = retry.saves
    assert job.retry and job.values == {"i-plan": Cell(200)} and job.org_id == "o1" and job.month == MONTH
    assert not failed and model.row_view(0).items[0].look is None
    model.save_done(job)
    assert model.waiting == {}


def test_a_save_refused_by_the_rules_puts_the_saved_value_back():
    grid = make_grid()
    grid.rows[0].cells["i-plan"] = Cell(100)
    model = model_of(grid)
    save, = keys(model, "2", "commit_next")
    out = model.save_failed(save, UserError("month.closed", month=MONTH))
    assert "保存失败" in out.notices[0].text and "已恢复原值" in out.notices[0].text
    assert model.grid.rows[0].cells["i-plan"] == Cell(100) and not model.failed


def test_a_newer_edit_supersedes_an_older_failed_save():
    model = model_of()
    first, = keys(model, "1", "commit_next")
    second, = keys(model, ("move", 0, -1), "2", "commit_next")
    model.save_failed(first, DatabaseError("db.locked", path="x", seconds=0.3))
    assert not model.failed  # the second save carries the cell's value
    assert model.grid.rows[0].cells["i-plan"] == Cell(200)
    model.save_failed(second, OSError("disk full"))
    assert len(model.failed) == 1


def test_failed_cells_are_shown_again_after_a_reload_and_typing_over_one_replaces_it():
    failed = FailedSaves()
    model = model_of(failed=failed)
    save, = keys(model, "2", "commit_next")
    model.save_failed(save, DatabaseError("db.locked", path="x", seconds=0.3))
    again = model_of(make_grid(), failed=failed)  # the month read again: the database has no value
    assert again.grid.rows[0].cells["i-plan"] == Cell(200) and again.row_view(0).items[0].look == "failed"
    assert again.counts[1] == 1  # begun
    new, = keys(again, "1", "commit_next")
    assert new.values == {"i-plan": Cell(100)} and not failed
    # refused by the rules now: the value known to be in the database (none) comes back
    again.save_failed(new, UserError("month.closed", month=MONTH))
    assert again.grid.rows[0].cells.get("i-plan", Cell()).blank


def test_retryable_errors():
    assert is_retryable(DatabaseError("db.locked", path="x", seconds=1))
    assert is_retryable(OSError("No space left on device"))
    assert not is_retryable(UserError("month.closed", month=MONTH))
    assert not is_retryable(ScoreError("rules.score_above_max", value="3", max="2"))


def test_retry_with_nothing_failed_says_so():
    out = model_of().retry()
    assert out.saves == [] and out.notices[0].text == "没有未保存的格子"


# -- drawing bookkeeping and the month's actions -----------------------------------------------------------------
def test_each_change_marks_only_its_rows_to_redraw():
    model = model_of()
    model.take_dirty()
    v = list(model.versions)
    model.type("1")
    assert model.take_dirty() == {0} and model.versions[0] == v[0] + 1 and model.versions[1:] == v[1:]
    model.move(1, 0)
    assert model.take_dirty() == {0, 1}


def test_streak_counts_the_value_being_typed():
    low = MonthState(MonthKind.COMPLETE, Fraction(4))
    model = model_of(make_grid(history={"2025-01": low, "2025-02": low}))
    model.move(2, 0)
    assert model.row_view(2).streak.text == "2" and model.row_view(2).streak.look == "amber"
    keys(model, "1", "commit_next", "1", "commit_next", "1", "commit_next", "1", "commit_next", "0", "commit_next",
         ("move", 0, 0), "0")
    assert (model.row_view(2).streak.text, model.row_view(2).streak.look) == ("3", "red")


def test_month_actions_and_their_results():
    model = model_of(make_grid(exempt_second=False))
    out, row = model.exempt_target()
    job = model.op("exempt", row, "外出培训")
    assert job == OpJob("exempt", "c1", MONTH, "o1", "爱心助老服务队", "外出培训")
    assert model.op_done(job).text == "爱心助老服务队 2025-03 免考评"
    assert model.counts[3] == 1 and model.row_view(0).note.text == "免考评：外出培训"
    epoch = model.epoch
    model.op_done(OpJob("pause", "c1", MONTH))
    assert model.grid.paused and model.epoch == epoch + 1
    note = model.case_opened("o3", "晨光社工服务中心", MONTH, 3)
    assert note.text == "晨光社工服务中心 连续3个月低于6分，已立案待约谈" and model.grid.rows[2].has_open_case


def test_position_and_place_across_months():
    model = model_of()
    model.move(2, 3)
    keep = model.position()
    grid = make_grid("2025-04")
    del grid.rows[2]  # 晨光 left: the next org in pinyin order, or the last row
    other = model_of(grid, "2025-04")
    other.place(keep)
    assert (other.row, other.item) == (1, 3)


# -- entry at spreadsheet speed (issue 13) ------------------------------------------------------------------
def last_month(cells: dict[str, dict[str, Cell]], exempt: set[str] = frozenset(), month: str = "2025-02"):
    from incubator_tui.services.scoring import LastMonth

    return LastMonth(month, cells, set(exempt))


def test_undo_and_redo_are_saves_of_the_cells_before_and_after_and_go_to_the_cell():
    model = model_of()
    keys(model, "2", "commit_next", ("move", 1, 0), "na")
    assert [len(s) for s in (model.history.undo, model.history.redo)] == [2, 0]
    out = model.undo()
    assert [(s.org_id, s.values) for s in out.saves] == [("o2", {"i-hyg": Cell()})]
    assert (model.row, model.item) == (1, 1) and out.notices[0].text == "已撤销：彩虹青少年成长营 · 卫生清洁 不适用 → 未评"
    out = model.redo()
    assert [(s.org_id, s.values) for s in out.saves] == [("o2", {"i-hyg": Cell(None, True)})]
    assert out.notices[0].text.startswith("已重做：")
    keys(model, "undo", "undo")
    assert model.grid.rows[0].cells["i-plan"] == Cell() and len(model.history.redo) == 2
    assert model.undo().notices[0].text == "本月没有可撤销的修改"


def test_undo_is_refused_in_a_closed_month_and_drops_a_step_changed_since():
    model = model_of()
    keys(model, "2", "commit_next")
    model.grid.rows[0].cells["i-plan"] = Cell(50)  # as if read again after another user's change
    out = model.undo()
    assert not out.ok and out.saves == [] and model.history.undo == []
    keys(model, "1", "commit_next")
    model.grid.closed = True
    out = model.undo()
    assert not out.ok and "已关账" in out.notices[0].text and len(model.history.undo) == 1


def test_copy_last_and_fill_last_wait_for_last_month_and_copy_by_item_code():
    model = model_of()
    assert model.copy_last().notices[0].text == "正在读取上月的分数，请稍候"
    model.set_last(last_month({"o1": {"plan": Cell(150), "hygiene": Cell(None, True, "停水"), "party": Cell(200)}}))
    out = model.copy_last()
    assert out.saves[0].values == {"i-plan": Cell(150)} and (model.row, model.item) == (0, 1)
    keys(model, "1")  # typed, then R: committed, the rest from last month, the month's blanks stay
    out = model.fill_last()
    assert [s.values for s in out.saves] == [{"i-hyg": Cell(100)}, {"i-party": Cell(200)}]
    assert (model.row, model.item) == (0, 3) and out.notices[0].severity == "warning"
    assert "服务活动、制度台账、安全规范" in out.notices[0].text


def test_copy_last_refuses_a_value_above_this_months_maximum():
    model = model_of()
    model.set_last(last_month({"o1": {"records": Cell(200)}}))  # records was worth 2 then, 1 now
    keys(model, ("move", 0, 4))
    out = model.copy_last()
    assert not out.ok and out.saves == [] and "不合现在的满分 1" in out.notices[0].text
    out = model.fill_last()
    assert out.saves == [] and model.item == 0  # not copied: the first blank item


def test_fill_down_takes_the_value_above_over_exempt_rows_and_keeps_the_cells_reason():
    model = model_of(make_grid(exempt_second=True))
    keys(model, "1", ".", "5", "commit_next", ("move", 2, -1))
    model.grid.rows[2].cells["i-plan"] = Cell(None, False, "补交")
    out = model.fill_down()
    assert out.saves[0].values == {"i-plan": Cell(150, False, "补交")}
    assert (model.row, model.item) == (2, 0)  # the last row: stays


def test_search_by_name_initials_and_pinyin_from_the_row_after_the_cursor():
    grid = make_grid()
    for row, initials in zip(grid.rows, ("axzlfwd", "chqsnczy", "cgsgfwzx")):
        row.initials = initials
    grid.rows[0].pinyin, grid.rows[2].pinyin = "ai xin zhu lao fu wu dui", "chen guang she gong fu wu zhong xin"
    model = model_of(grid)
    assert model.next_match("服务") == 2 and model.search_preview("服务") == "2 个匹配 · Enter 到：晨光社工服务中心"
    model.search("服务")
    assert model.row == 2 and model.next_match("服务") == 0  # wraps round
    assert model.next_match("chq") == 1 and model.next_match("aixin") == 0 and model.next_match("ai xin") == 0
    assert not model.search("xyz").ok and model.row == 2


def test_provisional_total_and_exempt_rows_shown_dimmed():
    grid = make_grid(exempt_second=True)
    grid.rows[1].cells["i-plan"] = Cell(200, False, "x")
    model = model_of(grid)
    keys(model, "2", "commit_next", "1", "commit_next")
    view = model.row_view(0)
    assert (view.total.text, view.total.mark, view.total.look) == ("~7.5", " 缺4", "muted")
    exempt = model.row_view(1)
    assert (exempt.items[0].text, exempt.items[0].look, exempt.items[0].mark) == ("2", "muted", "*")
    assert (exempt.items[1].text, exempt.total.text) == ("-", "免考评")


def test_header_labels_break_between_words_and_hyphenate_a_word_only_to_fit():
    from incubator_tui.editing.grid_layout import split_even

    assert split_even("工作计划", 2) == ["工作", "计划"]
    assert split_even("Service activities", 2, 5) == ["Service", "activities"]
    assert split_even("Party-building", 2, 5) == ["Party-", "building"]
    assert split_even("Hygiene", 2) == ["Hygiene"]  # no room asked for: the word stays whole
    assert split_even("Hygiene", 2, 5) == ["Hygi-", "ene"]


# -- the first screenful, then the rest (session 6) ------------------------------------------------------------
def test_keys_that_need_a_row_not_read_wait_for_it_and_the_rest_keeps_what_was_typed():
    from incubator_tui.editing.grid_jobs import LoadedRest
    from incubator_tui.services.scoring import RowsRead

    grid = make_grid()
    grid.rows[2].cells_read = False  # the third row: not read yet
    failed = FailedSaves()
    model = model_of(grid, failed=failed)
    assert not model.complete and model.row_view(2).items[0].text == "…"
    assert not model.waits_for_rest("type", "2")  # row 0 is read
    saves = keys(model, "2", "commit_next")
    model.row, model.item = 1, 0
    keys(model, "1")  # typing begun in a read row: Enter never waits
    assert not model.waits_for_rest("commit_next") and not model.waits_for_rest("backspace")
    keys(model, "commit_next")
    model.row, model.item = 2, 0
    assert model.waits_for_rest("type", "3") and model.waits_for_rest("na") and model.waits_for_rest("fill")
    assert not model.waits_for_rest("move", -1, 0) and not model.waits_for_rest("last_row")
    model.row = 1  # ctrl+d copies from the row above: read here
    assert not model.waits_for_rest("fill_down")
    grid.rows[0].cells_read = False  # (as if row 0 were not read) ctrl+d from it waits
    model.unread = 2
    assert model.waits_for_rest("fill_down")
    grid.rows[0].cells_read, model.unread = True, 1
    model.history.undo.append(model.history.undo[-1].__class__("o3", "晨光社工服务中心", {}, {"i-plan": Cell(100)}))
    assert model.waits_for_rest("undo")  # the change to undo is in the row not read
    model.history.undo.pop()
    # The rest arrives: its cells go into the row not read only; the rows typed into keep theirs.
    rest = RowsRead({"o1": {}, "o3": {"i-plan": Cell(150)}}, {"o3": {}})
    model.fill_rest(LoadedRest(grid, rest, {"o3": 1}))
    assert model.complete and model.row_view(2).items[0].text == "1.5"
    assert model.grid.rows[0].cells["i-plan"] == Cell(200) and saves[0].values == {"i-plan": Cell(200)}
    assert model.counts[:3] == [0, 3, 0]


def test_once_the_rest_could_not_be_read_its_rows_say_so_and_keys_needing_them_are_refused():
    grid = make_grid()
    grid.rows[2].cells_read = False  # the third row: not read, and its read failed
    model = model_of(grid)
    model.retry_key = "^r"
    model.row, model.item = 2, 0
    assert model.rest_refusal_text() == "正在读取本月其余组织的分数，请稍候再按"
    epoch = model.epoch
    model.rest_lost()
    assert model.rest_failed and model.epoch == epoch + 1  # every row drawn again
    assert model.row_view(2).items[0].text == "?" and model.row_view(2).total.text == "?"
    assert model.row_view(0).items[0].text != "?"  # the rows read as they were
    assert "该组织本月的分数未能读取（^r 重新读取）" in model.detail()
    assert "其余 1 家组织的分数未能读取（^r 重新读取）" in "".join(text for text, _ in model.header())
    assert model.rest_refusal_text() == "本月其余组织的分数未能读取，此键要用到它们：请先按 ^r 重新读取本月"
    assert model.waits_for_rest("type", "3")  # still needs the row (the screen refuses it, never holds it)
    model.busy = True  # another read replaces the month: nothing waits, every edit refuses itself
    assert not model.waits_for_rest("type", "3") and not model.type("3").ok
