"""Buttons on the reporter's own ticket: cancel, confirm, reopen (with a reason), rate."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import conversations, reporter_actions, tickets
from bot.desk import Desk
from bot.lifecycle import CLOSED, Origin, TransitionRefused
from bot.models import Ticket
from handlers import notify
from handlers.callbacks import drop_buttons, markup, parse
from handlers.card_sync import request_refresh
from handlers.common import desk_of, person_of, reply
from handlers.flows import FlowStep, register_flow
from handlers.refusals import Refusal, refusals
from handlers.renderers import ticket_detail as texts
from handlers.renderers.cards import card_rows
from handlers.renderers.common import escape

REOPEN_FLOW, RATING_FLOW = "reopen", "rating"
REPORTER_SAID = "💬 工单 {number} 报修人 {name} 补充：\n{text}"
CANCELLED = "工单 {number} 已撤销。"
CONFIRMED = "感谢确认，工单 {number} 已关闭。请为本次服务打分："
ASK_REOPEN_REASON = "请说明工单 {number} 仍未解决的情况（发送 /cancel 放弃）："
REOPENED = "工单 {number} 已重新打开，处理人会继续跟进。"
RATED = "感谢您的评价（{stars}）！如有意见或建议，可直接发送文字；不需要请发送 /cancel。"
RATING_COMMENT_SAVED = "已收到您的意见，谢谢！"
STALE = "该按钮已失效。"
TO_ASSIGNEE_REOPENED = "🔁 工单 {number} 被报修人重新打开：{reason}"
TO_ASSIGNEE_CONFIRMED = "✅ 工单 {number} 报修人已确认解决。"


def resolved_rows(ticket: Ticket) -> list[list[tuple[str, str]]]:
    """The reporter's 已解决 / 未解决 buttons under a resolution."""
    return texts.reporter_rows(ticket, False)


def reopen_allowed(desk: Desk, ticket: Ticket) -> bool:
    """A closed ticket may be reopened within the configured window of working days."""
    if ticket.status != CLOSED or ticket.closed_at is None:
        return False
    days = desk.settings.tickets.reopen_window_working_days
    limit = desk.calendar.add_working_minutes(ticket.closed_at,
                                              days * desk.calendar.minutes_per_working_day)
    return desk.clock.now() <= limit


@refusals
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Decode the press, check it is the reporter's own ticket, then act."""
    query = update.callback_query
    callback = parse(query.data, texts.PREFIX)
    person = person_of(update, context)
    ticket_id = callback.number(0) if callback else None
    if ticket_id is None or person is None:
        await query.answer(STALE, show_alert=True)
        return
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.reporter_id != person.id:
            raise Refusal(texts.NO_RIGHT)
        origin = Origin(person.id, update.effective_chat.id, "private")
        try:
            text, rows = _act(session, desk, ticket, person, callback.action, callback.args,
                              origin, update)
        except (TransitionRefused, tickets.TicketError) as error:
            raise Refusal(str(error)) from None
    await query.answer()
    await drop_buttons(query)
    await reply(update, text, reply_markup=markup(rows) if rows else None)
    request_refresh(context, ticket_id)  # cancel / confirm change what the card shows
    notify.wake(context)


def _act(session, desk: Desk, ticket: Ticket, person, action: str, args: tuple[str, ...],
         origin: Origin, update: Update) -> tuple[str, list]:
    now = desk.clock.now()
    if action == "cancel":
        reporter_actions.cancel(session, ticket, person, origin, now)
        return CANCELLED.format(number=ticket.number), []
    if action == "ok":
        reporter_actions.confirm(session, ticket, person, origin, now)
        if ticket.assignee is not None:
            notify.to_person(session, desk, ticket.assignee.telegram_id,
                             TO_ASSIGNEE_CONFIRMED.format(number=ticket.number),
                             ticket_id=ticket.id)
        return CONFIRMED.format(number=ticket.number), [texts.rating_row(ticket)]
    if action == "reopen":
        if ticket.status == CLOSED and not reopen_allowed(desk, ticket):
            raise TransitionRefused("工单关闭已超过可重新打开的期限，请提交新的报修。")
        conversations.begin(session, desk.clock, update.effective_chat.id, person.telegram_id,
                            REOPEN_FLOW, "reason", {"ticket_id": ticket.id})
        return ASK_REOPEN_REASON.format(number=ticket.number), []
    if action == "rate" and len(args) == 2 and args[1].isdigit():
        stars = int(args[1])
        reporter_actions.rate(session, ticket, person, stars, origin, now)
        conversations.begin(session, desk.clock, update.effective_chat.id, person.telegram_id,
                            RATING_FLOW, "comment", {"ticket_id": ticket.id})
        return RATED.format(stars=texts.STARS * stars), []
    raise tickets.TicketError(STALE)


@refusals
async def _reopen_reason(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    desk, person = desk_of(context), person_of(update, context)
    chat_id = update.effective_chat.id
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, chat_id, update.effective_user.id)
        ticket = session.get(Ticket, conversation.data.get("ticket_id", 0))
        try:
            if ticket is None or person is None:
                raise tickets.TicketError(STALE)
            reporter_actions.reopen(session, ticket, person, text,
                                    Origin(person.id, chat_id, "private"), desk.clock.now(),
                                    desk.calendar,
                                    desk.settings.tickets.reopen_window_working_days)
        except (TransitionRefused, tickets.TicketError) as error:
            refusal = escape(error)  # the conversation ends either way
        else:
            refusal = None
        conversations.end(session, chat_id, update.effective_user.id)
        if refusal is None and ticket.assignee is not None:
            notify.to_person(session, desk, ticket.assignee.telegram_id,
                             TO_ASSIGNEE_REOPENED.format(number=ticket.number,
                                                         reason=escape(text.strip()[:500])),
                             ticket_id=ticket.id, rows=card_rows(ticket))
        number = ticket.number if ticket else ""
    if refusal is not None:
        await reply(update, refusal)
        return
    request_refresh(context, ticket.id)  # the card shows 处理中 and its actions again
    notify.wake(context)
    await reply(update, REOPENED.format(number=number))


async def _rating_comment(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    desk, person = desk_of(context), person_of(update, context)
    chat_id = update.effective_chat.id
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, chat_id, update.effective_user.id)
        ticket = session.get(Ticket, conversation.data.get("ticket_id", 0))
        conversations.end(session, chat_id, update.effective_user.id)
        if ticket is not None and person is not None and ticket.rating:
            reporter_actions.rate(session, ticket, person, ticket.rating,
                                  Origin(person.id, chat_id, "private"), desk.clock.now(), text)
    await reply(update, RATING_COMMENT_SAVED)


def register_flows() -> None:
    register_flow(REOPEN_FLOW, {"reason": FlowStep(_reopen_reason)})
    register_flow(RATING_FLOW, {"comment": FlowStep(_rating_comment)})
