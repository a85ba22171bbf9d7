"""`govdesk sla explain NUMBER`: a ticket's SLA timeline, replayed from its event log.

What a supervisor needs when a team disputes a breach: the targets and the clock they run on,
every event that started, paused, moved or stopped a clock (with the due time after it), the
paused spans, each reminder and escalation with whom it went to and whether it was delivered,
and the breaches. Plain text; the Telegram 「查看」 view escapes and shows the same lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import sla
from bot.lifecycle import STATUS_LABELS
from bot.models import Notification, Ticket, TicketEvent
from bot.priority import SlaPolicy

CLOCK_NAMES = {sla.RESPONSE: "响应", sla.RESOLUTION: "解决"}
LEVEL_NAMES = {sla.REMINDER: "提醒", sla.LEAD: "一级升级（组长）",
               sla.SUPERVISOR: "二级升级（主管）"}
DELIVERY = {"sent": "已送达", "pending": "待发送", "failed": "发送失败"}
KIND_CLOCK = {"working": "工作时间", "24x7": "7×24 小时"}
ACTIONS = {"claim": "认领", "assign": "指派", "reply": "回复", "start": "开始处理", "pend": "挂起",
           "resume": "恢复处理", "resolve": "解决", "reopen": "重新打开", "cancel": "撤销",
           "confirm": "确认解决", "auto_close": "自动关闭", "return_to_queue": "退回队列",
           "priority": "改优先级"}


@dataclass
class Explanation:
    """A ticket's SLA story: summary lines, the timeline, paused spans and breaches."""

    number: str
    header: list[str] = field(default_factory=list)
    timeline: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)
    breaches: list[str] = field(default_factory=list)

    def text(self) -> str:
        parts = [*self.header, "", "时间线："]
        parts += [f"  {line}" for line in self.timeline] or ["  （无）"]
        parts += ["", "暂停："] + ([f"  {line}" for line in self.paused] or ["  （无）"])
        parts += ["", "超时："] + ([f"  {line}" for line in self.breaches] or ["  无"])
        return "\n".join(parts)


def _t(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _minutes(value: float) -> str:
    hours, minutes = divmod(round(value), 60)
    return f"{hours} 小时 {minutes} 分钟" if hours else f"{minutes} 分钟"


def explain(session: Session, ticket: Ticket, policy: SlaPolicy, now: datetime,
            tz: ZoneInfo) -> Explanation:
    """Replay the ticket's log and describe what each event did to its SLA clocks."""
    events = list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                  .order_by(TicketEvent.id)))
    deliveries = _deliveries(session, ticket.id)
    result = Explanation(ticket.number)
    state: sla.SlaState | None = None
    for event in events:
        before = state
        state = sla.step(state, event, policy, ticket.priority)
        if state is None:
            continue
        who = event.actor.name if event.actor else "系统"
        for line in _changes(before, state, event, policy, tz, deliveries):
            result.timeline.append(f"{_t(event.at, tz)} {who}：{line}")
        if before is not None and before.paused_at is not None and state.paused_at is None:
            minutes = state.paused_minutes - before.paused_minutes
            result.paused.append(f"{_t(before.paused_at, tz)} — {_t(event.at, tz)}，"
                                 f"{_minutes(minutes)}")
    if state is None:
        result.header = [f"工单 {ticket.number}：事件记录中没有提交记录，无法计算 SLA。"]
        return result
    if state.paused_at is not None:
        result.paused.append(f"{_t(state.paused_at, tz)} 起，至今仍挂起")
    result.header = _header(ticket, state, policy, now, tz)
    result.breaches = _breaches(state, policy, now, tz)
    return result


def _header(ticket: Ticket, state: sla.SlaState, policy: SlaPolicy, now: datetime,
            tz: ZoneInfo) -> list[str]:
    target = policy.target(state.priority)
    status = STATUS_LABELS.get(ticket.status, ticket.status)
    lines = [f"工单 {ticket.number} · {state.priority} · 状态 {status} · "
             f"提交于 {_t(ticket.created_at, tz)}",
             f"时钟：{KIND_CLOCK.get(target.clock, target.clock)}（现在 {_t(now, tz)}）"]
    for name in sla.CLOCKS:
        clock = state.clock(name)
        used = sla.used_at(state, name, now, policy)
        goal = sla.target_minutes(policy, state.priority, name)
        running = "计时中" if clock.running else ("已暂停" if state.paused_at and name ==
                                                 sla.RESOLUTION else "已停止")
        lines.append(f"{CLOCK_NAMES[name]}：目标 {_minutes(goal)}，已用 {_minutes(used)}"
                     f"（{round(100 * used / goal)}%），时限 {_t(clock.due, tz)}，{running}")
    lines.append(f"挂起累计：{_minutes(state.paused_minutes)}")
    return lines


def _changes(before: sla.SlaState | None, after: sla.SlaState, event: TicketEvent,
             policy: SlaPolicy, tz: ZoneInfo, deliveries: dict) -> list[str]:
    """What one event did to the clocks, in words."""
    if event.kind == sla.CREATED_EVENT:
        return [f"提交（{after.priority}），响应时限 {_t(after.response.due, tz)}，"
                f"解决时限 {_t(after.resolution.due, tz)}"]
    if event.kind == sla.ALERT_EVENT:
        return [_alert_line(event, deliveries, tz)]
    if event.kind == "urge":
        return ["督办"]
    if before is None:
        return []
    lines = []
    if event.kind == sla.PRIORITY_EVENT:
        lines.append(f"优先级 {before.priority} → {after.priority}，已用时间保留；"
                     f"响应时限 {_t(after.response.due, tz)}，"
                     f"解决时限 {_t(after.resolution.due, tz)}")
    for name in sla.CLOCKS:
        old, new = before.clock(name), after.clock(name)
        label, action = CLOCK_NAMES[name], ACTIONS.get(event.kind, event.kind)
        if old.running and new.stopped_at is not None:
            late = new.stopped_at > new.due if new.due else False
            lines.append(f"{label}计时停止（{action}），用时 {_minutes(new.used)}，"
                         + ("超时" if late else "达标"))
        elif old.running and not new.running and after.paused_at is not None:
            lines.append(f"{label}计时暂停（挂起），已用 {_minutes(new.used)}")
        elif not old.running and new.running and event.kind != sla.PRIORITY_EVENT:
            lines.append(f"{label}计时恢复（{action}），已用 {_minutes(new.used)}，"
                         f"时限顺延至 {_t(new.due, tz)}")
    return lines


def _alert_line(event: TicketEvent, deliveries: dict, tz: ZoneInfo) -> str:
    data = event.data or {}
    clock, percent = data.get("clock"), data.get("percent")
    reached = datetime.fromisoformat(data["reached_at"]) if data.get("reached_at") else None
    late = (f"（{_t(reached, tz)} 已到达）"
            if reached is not None and (event.at - reached).total_seconds() >= 60 else "")
    level = LEVEL_NAMES.get(data.get("level"), data.get("level"))
    sent = [f"{name}（{status}）" for name, status in deliveries.get((clock, percent), [])]
    skipped = data.get("skipped") or []
    extra = f"（同时越过 {'、'.join(f'{p}%' for p in skipped)}，合并发送）" if skipped else ""
    return (f"{CLOCK_NAMES.get(clock, clock)}时限 {percent}% {level}{late}{extra} → "
            + ("、".join(sent) if sent else (event.note or "（无人可通知）")))


def _deliveries(session: Session, ticket_id: int) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """Each alert's messages: (clock, percent) -> [(recipient, delivery status)]."""
    found: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for note in session.scalars(select(Notification).where(
            Notification.ticket_id == ticket_id, Notification.kind == "sla_alert")
            .order_by(Notification.id)):
        meta = note.meta or {}
        status = DELIVERY.get(note.status, note.status)
        found.setdefault((meta.get("clock"), meta.get("percent")), []).append(
            (meta.get("recipient") or str(note.chat_id), status))
    return found


def _breaches(state: sla.SlaState, policy: SlaPolicy, now: datetime,
              tz: ZoneInfo) -> list[str]:
    lines = []
    for name in sla.CLOCKS:
        if not sla.breached(state, name, now):
            continue
        clock = state.clock(name)
        end = clock.stopped_at or state.paused_at if name == sla.RESOLUTION else clock.stopped_at
        end = end or now
        over = policy.clock_for(state.priority).working_minutes_between(clock.due, end)
        lines.append(f"{CLOCK_NAMES[name]}超时：时限 {_t(clock.due, tz)}，"
                     + (f"{_t(clock.stopped_at, tz)} 才完成" if clock.stopped_at else "至今未完成")
                     + f"，超出 {_minutes(max(over, 0))}")
    return lines
