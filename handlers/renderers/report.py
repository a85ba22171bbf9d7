"""Texts and keyboards of the /report conversation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.models import Category
from bot.priority import IMPACT_LABELS, PRIORITY_LABELS, URGENCY_LABELS, DueTimes
from handlers.callbacks import pack
from handlers.renderers.common import escape, trim

PREFIX = "rp"

ASK_CATEGORY = "<b>报修 · 第 1 步</b>\n请选择故障所属的服务分类（随时发送 /cancel 可退出）："
ASK_DESCRIPTION = (
    "<b>报修 · 第 2 步</b>\n已选择：{category}\n\n请用文字描述问题：现象、出现时间、影响范围、"
    "是否有报错（可附截图，最多 {max_files} 张，图片可带说明文字）。"
)
ASK_IMPACT = "<b>报修 · 第 3 步</b>\n影响范围有多大？"
ASK_URGENCY = "<b>报修 · 第 4 步</b>\n紧急程度如何？"
DEFLECTION = (
    "<b>提交前，请先看看这些知识库文章能否解决您的问题：</b>\n\n{articles}\n\n"
    "如果已经解决，请点「问题已解决」；否则点「仍需报修」继续。"
)
SUMMARY = (
    "<b>请确认报修信息</b>\n\n"
    "分类：{category}\n"
    "影响范围：{impact}\n"
    "紧急程度：{urgency}\n"
    "优先级：<b>{priority}</b>\n"
    "响应时限：{response_due} 前\n"
    "解决时限：{resolution_due} 前\n"
    "附件：{files}\n\n"
    "问题描述：\n{description}"
)
ASK_EDIT = "要修改哪一项？"
PHOTO_RECEIVED = "已收到附件（{count}/{max_files}）。{next}"
PHOTO_NEEDS_TEXT = "请再用文字描述一下问题。"
TOO_MANY_FILES = "附件最多 {max_files} 个，这个文件没有保存。请继续下一步。"
DESCRIPTION_EMPTY = "问题描述不能为空，请用文字描述您遇到的问题。"
DESCRIPTION_TOO_LONG = (
    "问题描述过长（{length} 字），请精简到 {limit} 字以内后重新发送。"
    "您输入的内容已为您保存，开头部分如下，可复制修改：\n\n<code>{head}</code>"
)
SUBMITTED = (
    "✅ 报修已提交，工单号 <b>{number}</b>（优先级 {priority}）。\n"
    "支持组会尽快认领处理，进展会在这里通知您。发送 /ticket {number} 可随时查看。"
)
ALREADY_SUBMITTED = "该报修已提交过，工单号 {number}，无需重复提交。"
DEFLECTED = "很高兴问题已解决！本次没有创建工单。如仍有问题，可随时发送 /report 报修。"
CANCELLED = "已取消本次报修，没有创建工单。"
CHOOSE_WITH_BUTTONS = "请点击上方按钮选择。如需退出，请发送 /cancel。"
STALE = "该按钮已过期（报修已提交、已取消或已进行到其他步骤）。"

BUTTON_SOLVED = "问题已解决"
BUTTON_NEED_TICKET = "仍需报修"
BUTTON_SUBMIT = "确认提交"
BUTTON_EDIT = "修改"
BUTTON_CANCEL = "取消"
EDIT_TARGETS = (("category", "分类"), ("description", "描述"), ("impact", "影响范围"),
                ("urgency", "紧急程度"))

Rows = list[list[tuple[str, str]]]


def category_rows(categories: Sequence[Category]) -> Rows:
    """Category buttons in catalogue order, two per row, a new row at each heading."""
    rows: Rows = []
    group: str | None = None
    for category in categories:
        button = (trim(category.name, 20), pack(PREFIX, "cat", category.code))
        if category.group_name != group or len(rows[-1]) == 2:
            rows.append([button])
        else:
            rows[-1].append(button)
        group = category.group_name
    return rows


def category_prompt(categories: Sequence[Category]) -> str:
    """The step text, listing the catalogue's headings and their categories."""
    groups: dict[str, list[str]] = {}
    for category in categories:
        groups.setdefault(category.group_name, []).append(category.name)
    lines = [f"· <b>{escape(g)}</b>：{escape('、'.join(names))}" for g, names in groups.items()]
    return ASK_CATEGORY + "\n\n" + "\n".join(lines)


def choice_rows(action: str, labels: dict[str, str]) -> Rows:
    return [[(label, pack(PREFIX, action, code))] for code, label in labels.items()]


def impact_rows() -> Rows:
    return choice_rows("imp", dict(reversed(list(IMPACT_LABELS.items()))))


def urgency_rows() -> Rows:
    return choice_rows("urg", dict(reversed(list(URGENCY_LABELS.items()))))


def local(moment: datetime, tz: ZoneInfo) -> str:
    """A desk-local time as people read it: 11月23日 周一 10:30."""
    value = moment.astimezone(tz)
    weekday = "一二三四五六日"[value.weekday()]
    return f"{value.month}月{value.day}日 周{weekday} {value:%H:%M}"


def summary(category: str, data: dict, priority: str, due: DueTimes, tz: ZoneInfo) -> str:
    return SUMMARY.format(
        category=escape(category), impact=IMPACT_LABELS[data["impact"]],
        urgency=URGENCY_LABELS[data["urgency"]], priority=PRIORITY_LABELS[priority],
        response_due=local(due.response_due, tz), resolution_due=local(due.resolution_due, tz),
        files=f"{len(data.get('files', []))} 个" if data.get("files") else "无",
        description=escape(trim(data["description"], 1500)),
    )


def summary_rows(token: str) -> Rows:
    return [[(BUTTON_SUBMIT, pack(PREFIX, "ok", token))],
            [(BUTTON_EDIT, pack(PREFIX, "edit", token)),
             (BUTTON_CANCEL, pack(PREFIX, "no", token))]]


def edit_rows(token: str) -> Rows:
    """What to change in the draft with this token (an older draft's menu is stale)."""
    return [[(label, pack(PREFIX, "fix", code, token)) for code, label in EDIT_TARGETS]]
