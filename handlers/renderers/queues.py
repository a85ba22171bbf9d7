"""Texts of /queue, /mine and /team, and of tickets returned to a queue."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.lifecycle import STATUS_LABELS
from bot.priority import PRIORITY_LABELS
from bot.queues import TicketBrief, by_assignee
from handlers.callbacks import pack
from handlers.renderers.common import MESSAGE_LIMIT, escape, trim
from handlers.renderers.report import local

QUEUE_HEADER = "<b>待认领队列</b>（{teams}；最紧急的在前）\n"
QUEUE_EMPTY = "🎉 您所在支持组（{teams}）目前没有待认领的工单。"
MINE_HEADER = "<b>我的工单</b>（未完成 {count} 张，最紧急的在前）\n"
MINE_EMPTY = "您目前没有未完成的工单。发送 /queue 查看待认领的工单。"
TEAM_HEADER = "<b>{team} · 未完成工单</b>（共 {count} 张）"
TEAM_EMPTY = "<b>{team}</b>：没有未完成的工单。"
TEAM_GROUP = "\n<b>{who}</b>（{count}）"
UNCLAIMED = "待认领"
NOT_TECHNICIAN = "无权操作：此命令供运维工程师使用。"
NOT_LEAD = "无权操作：/team 仅供组长使用。"
UNKNOWN_TEAM = "没有代码为 {code} 的支持组。可用：{codes}"
NO_TEAMS = "您不属于任何支持组。"
OVERVIEW_HEADER = ("<b>我负责的支持组 · 未完成工单</b>（{teams} 个组，共 {count} 张，"
                   "其中已超时 {overdue} 张；各组内最紧急的在前）")
OVERVIEW_TEAM = "\n\n<b>{team}</b>（{code}）：未完成 {count} 张{marks}"
OVERVIEW_MARKS = "，🔴已超时 {overdue}，🟠即将超时 {at_risk}"
OVERVIEW_QUIET = "\n\n没有未完成工单的组：{teams}"
OVERVIEW_MORE = "\n   ……本组另有 {count} 张未列出，发送 /team {code} 查看全部。"
OVERVIEW_FOOTER = "\n\n发送 /team 支持组代码 只看一个组；/ticket 工单号 查看详情。"
FOOTER = "\n发送 /ticket 工单号 查看详情。"
MORE = "\n……另有 {count} 张未列出。"
DUE_KINDS = {"response": "响应", "resolution": "解决"}
OVERDUE = "🔴已超时"
AT_RISK = "🟠即将超时"
LINE = "{index}. <b>{number}</b> · {priority} · {category}{status}\n   {due}{mark} · {summary}"
CLAIM_BUTTON = "认领 {number}"
CLAIM_BUTTONS = 8

DEPARTURE_TO_LEAD = (
    "👋 {name} 已离开{team}。其 {count} 张未完成工单已退回待认领队列：{numbers}\n"
    "请安排组员认领（/queue 或 /team 查看）。"
)
RETURNED_CARD_NOTE = "↩️ 工单 {number} 原处理人 {name} 已离组，退回待认领。"


def line(index: int, item: TicketBrief, tz: ZoneInfo, *, with_status: bool) -> str:
    status = f" · {STATUS_LABELS[item.status]}" if with_status else ""
    due = f"{DUE_KINDS[item.due_kind]}时限 {local(item.due_at, tz)}" if item.due_at else "无时限"
    mark = f" {OVERDUE}" if item.overdue else f" {AT_RISK}" if item.at_risk else ""
    return LINE.format(index=index, number=item.number, priority=PRIORITY_LABELS[item.priority],
                       category=escape(item.category), status=status, due=due, mark=mark,
                       summary=escape(trim(item.summary, 40)))


def _fit(header: str, lines: Sequence[str], footer: str = FOOTER) -> str:
    """Header, as many lines as fit in one message, footer."""
    text, shown = header, 0
    for item in lines:
        if len(text) + len(item) + len(footer) + 40 > MESSAGE_LIMIT:
            break
        text += "\n" + item
        shown += 1
    if shown < len(lines):
        text += MORE.format(count=len(lines) - shown)
    return text + footer


def queue_text(items: Sequence[TicketBrief], team_names: Sequence[str], tz: ZoneInfo) -> str:
    teams = "、".join(escape(n) for n in team_names)
    if not items:
        return QUEUE_EMPTY.format(teams=teams)
    return _fit(QUEUE_HEADER.format(teams=teams),
                [line(i, t, tz, with_status=False) for i, t in enumerate(items, 1)])


def queue_rows(items: Sequence[TicketBrief], versions: dict[int, int]
               ) -> list[list[tuple[str, str]]]:
    """Claim buttons for the most urgent tickets, two a row; each carries its ticket's version
    (handlers.versions), so it claims only a ticket still as the list showed it."""
    buttons = [(CLAIM_BUTTON.format(number=t.number), pack("tk", "claim", t.id, versions[t.id]))
               for t in items[:CLAIM_BUTTONS]]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def mine_text(items: Sequence[TicketBrief], tz: ZoneInfo) -> str:
    if not items:
        return MINE_EMPTY
    return _fit(MINE_HEADER.format(count=len(items)),
                [line(i, t, tz, with_status=True) for i, t in enumerate(items, 1)])


def team_text(team_name: str, items: Sequence[TicketBrief], tz: ZoneInfo) -> str:
    if not items:
        return TEAM_EMPTY.format(team=escape(team_name))
    lines: list[str] = []
    for who, group in by_assignee(items).items():
        lines.append(TEAM_GROUP.format(who=escape(who) if who else UNCLAIMED,
                                       count=len(group)))
        lines += [line(i, t, tz, with_status=who is not None) for i, t in enumerate(group, 1)]
    return _fit(TEAM_HEADER.format(team=escape(team_name), count=len(items)), lines)


Section = tuple[str, str, Sequence[TicketBrief]]  # team name, team code, its open tickets


def _urgency(item: TicketBrief) -> tuple[bool, bool, bool, object, int]:
    return (not item.overdue, not item.at_risk, item.due_at is None, item.due_at or 0, item.id)


def overview_text(sections: Sequence[Section], tz: ZoneInfo) -> str:
    """Several teams in one message: a section per team with open tickets, the overdue and at
    risk ones of every team before any other line, whole lines only (within MESSAGE_LIMIT)."""
    busy = [s for s in sections if s[2]]
    everything = [item for _, _, items in busy for item in items]
    head = OVERVIEW_HEADER.format(teams=len(sections), count=len(everything),
                                  overdue=sum(i.overdue for i in everything))
    quiet = [escape(name) for name, _, items in sections if not items]
    tail = (OVERVIEW_QUIET.format(teams=trim("、".join(quiet), 300)) if quiet else "") \
        + OVERVIEW_FOOTER
    heads = {code: OVERVIEW_TEAM.format(team=escape(name), code=code, count=len(items),
                                        marks=_marks(items)) for name, code, items in busy}
    budget = MESSAGE_LIMIT - len(head) - len(tail) - sum(
        len(h) + len(OVERVIEW_MORE) + 40 for h in heads.values())
    rendered = {item.id: line(0, item, tz, with_status=True) for item in everything}
    chosen: set[int] = set()
    for item in sorted(everything, key=_urgency):
        cost = len(rendered[item.id]) + 1
        if cost > budget:
            break
        chosen.add(item.id)
        budget -= cost
    text = head
    for _, code, items in busy:
        shown = [i for i in items if i.id in chosen]
        text += heads[code]
        text += "".join("\n" + line(n, i, tz, with_status=True) for n, i in enumerate(shown, 1))
        if len(shown) < len(items):
            text += OVERVIEW_MORE.format(count=len(items) - len(shown), code=code)
    return text + tail


def _marks(items: Sequence[TicketBrief]) -> str:
    overdue = sum(i.overdue for i in items)
    at_risk = sum(i.at_risk and not i.overdue for i in items)
    return OVERVIEW_MARKS.format(overdue=overdue, at_risk=at_risk) if overdue or at_risk else ""
