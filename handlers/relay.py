"""Talking through the bot: replies to a ticket's messages go to the other side.

A technician's reply (in private) to a message of a ticket goes to the reporter as
「处理人回复」; the reporter's reply goes to the assignee; a reply starting with 「内部」
(in private, or to a card in the group) is an internal note the reporter never sees.
「询问报修人」 on a card asks the reporter a question and pends the ticket until they answer.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from telegram import Update
from telegram.error import Forbidden
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import conversations, message_links, relay, tickets, work
from bot.desk import Desk
from bot.lifecycle import Origin, TransitionRefused
from bot.models import Ticket
from bot.people import PersonView
from handlers import delivery, notify
from handlers.callbacks import parse
from handlers.card_sync import request_refresh
from handlers.common import desk_of, is_private, person_of, reply
from handlers.flows import FlowStep, register_flow
from handlers.refusals import Refusal, refusals
from handlers.renderers import relay as texts
from handlers.renderers.common import escape
from handlers.renderers.welcome import NOT_REGISTERED

ASK_FLOW, ANSWER_FLOW = "ask_reporter", "answer_technician"


async def linked_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The ticket of the bot message this message replies to, if any."""
    message = update.effective_message
    parent = message.reply_to_message
    if parent is None or parent.from_user is None or parent.from_user.id != context.bot.id:
        return None
    await notify.sent_recorded(context)
    with desk_of(context).sessions.begin() as session:
        ticket = message_links.ticket_for(session, message.chat_id, parent.message_id)
        return ticket.id if ticket is not None else None


async def on_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Relay a reply to a ticket's message; anything else goes on to the other handlers."""
    ticket_id = await linked_ticket(update, context)
    if ticket_id is None:
        return
    text = update.effective_message.text
    person = person_of(update, context)
    if not is_private(update):
        note = relay.internal_text(text)
        if note is None or person is None:
            return  # team chatter in the group
        await write(update, context, person, ticket_id, note, "note")
        raise ApplicationHandlerStop
    if person is None:
        await reply(update, NOT_REGISTERED)
    else:
        await write(update, context, person, ticket_id, text, _kind(person, ticket_id, text,
                                                                    context))
    raise ApplicationHandlerStop


def _kind(person: PersonView, ticket_id: int, text: str,
          context: ContextTypes.DEFAULT_TYPE) -> str:
    with desk_of(context).sessions.begin() as session:
        reporter_id = session.get(Ticket, ticket_id).reporter_id
    if reporter_id == person.id:
        return "answer"
    return "note" if relay.internal_text(text) is not None else "reply"


@refusals
async def write(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                ticket_id: int, text: str, kind: str) -> None:
    """Record what was written and pass it on: kind is answer, reply, question or note."""
    desk = desk_of(context)
    origin = Origin(person.id, update.effective_chat.id,
                    "private" if is_private(update) else "group")
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        try:
            if ticket is None:
                raise work.WorkRefused(texts.STALE)
            done = _record(session, desk, ticket, person, text, kind, origin)
        except (work.WorkRefused, TransitionRefused, tickets.TicketError) as error:
            raise Refusal(escape(error), alert=False, html=True) from None
        request_refresh(context, ticket_id)
    notify.wake(context)
    await reply(update, done)


def _record(session: Session, desk: Desk, ticket: Ticket, person: PersonView, text: str,
            kind: str, origin: Origin) -> str:
    """Record the message in the ticket's history, queue it for the other side; the reply."""
    now = desk.clock.now()
    if kind == "note":
        relay.internal_note(session, ticket, person, relay.internal_text(text) or text,
                            origin, now)
        return texts.NOTE_SAVED.format(number=ticket.number)
    if kind == "answer":
        resumed = relay.reporter_answer(session, ticket, person, text, origin, now)
        if ticket.assignee is None:
            return texts.ANSWER_SAVED.format(number=ticket.number)
        notify.to_person(session, desk, ticket.assignee.telegram_id,
                         texts.TO_ASSIGNEE_ANSWER.format(
                             number=ticket.number, name=escape(person.name),
                             text=texts.quoted(text), resumed=texts.RESUMED if resumed else ""),
                         ticket_id=ticket.id, kind="relay")
        return texts.ANSWER_SENT.format(number=ticket.number)
    question = kind == "question"
    relay.technician_reply(session, ticket, person, text, origin, now, question=question)
    template = texts.TO_REPORTER_QUESTION if question else texts.TO_REPORTER_REPLY
    notify.to_person(session, desk, ticket.reporter.telegram_id,
                     template.format(number=ticket.number, name=escape(person.name),
                                     text=texts.quoted(text)),
                     ticket_id=ticket.id, kind="relay",
                     rows=texts.answer_rows(ticket.id) if question else None)
    return (texts.QUESTION_SENT if question else texts.REPLY_SENT).format(number=ticket.number)


async def ask_reporter(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                       ticket_id: int, args: tuple[str, ...]) -> None:
    """「询问报修人」 on a card: ask for the question in private."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        try:
            if ticket is None:
                raise work.WorkRefused(texts.STALE)
            relay.check_may_reply(person, ticket)
        except work.WorkRefused as error:
            refusal = str(error)
        else:
            refusal, number = None, ticket.number
            conversations.begin(session, desk.clock, person.telegram_id, person.telegram_id,
                                ASK_FLOW, "question", {"ticket_id": ticket_id})
    if refusal:
        await update.callback_query.answer(refusal, show_alert=True)
        return
    try:
        await delivery.send_to(context.bot, person.telegram_id,
                               texts.ASK_QUESTION.format(number=number), html=False)
    except Forbidden:
        await update.callback_query.answer(texts.ASK_IN_PRIVATE, show_alert=True)
        return
    await update.callback_query.answer(None if is_private(update) else texts.ASK_IN_PRIVATE)


async def _question_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    await _flow_text(update, context, text, "question")


async def _answer_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    await _flow_text(update, context, text, "answer")


async def _flow_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                     kind: str) -> None:
    desk, person = desk_of(context), person_of(update, context)
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        ticket_id = int(conversation.data.get("ticket_id", 0))
        conversations.end(session, update.effective_chat.id, update.effective_user.id)
    if person is None:
        await reply(update, NOT_REGISTERED)
        return
    await write(update, context, person, ticket_id, text, kind)


@refusals
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """「回复处理人」 under a question: the reporter's next message is the answer."""
    query = update.callback_query
    callback = parse(query.data, texts.PREFIX)
    person = person_of(update, context)
    ticket_id = callback.number(0) if callback and len(callback.args) == 1 else None
    if callback is None or callback.action != "ans" or ticket_id is None or person is None:
        raise Refusal(texts.STALE)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.reporter_id != person.id:
            raise Refusal(texts.NO_RIGHT)
        conversations.begin(session, desk.clock, update.effective_chat.id, person.telegram_id,
                            ANSWER_FLOW, "text", {"ticket_id": ticket.id})
        number = ticket.number
    await query.answer()
    await reply(update, texts.ASK_ANSWER.format(number=number))


def register(application: Application) -> None:
    """Add the reply relay (before the private-message router), the ask and answer flows."""
    replies = filters.REPLY & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(replies, on_reply))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^rl:"))
    register_flow(ASK_FLOW, {"question": FlowStep(_question_text)})
    register_flow(ANSWER_FLOW, {"text": FlowStep(_answer_text)})
