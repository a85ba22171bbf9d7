"""The reporter's side: /my, /ticket, /note, and the buttons on their own tickets."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import message_links, relay, reporter_actions, tickets
from bot.lifecycle import Origin
from bot.models import Ticket
from bot.people import PersonView
from bot.ticket_numbers import normalise_number
from bot.ticket_queries import events_of
from handlers import notify, reporter_buttons
from handlers.callbacks import markup, parse
from handlers.card_sync import request_refresh
from handlers.common import desk_of, person_of, reply
from handlers.refusals import Refusal, refusals
from handlers.renderers import attachments as attachment_texts
from handlers.renderers import ticket_detail as texts
from handlers.renderers.common import escape
from handlers.renderers.welcome import NOT_REGISTERED

NOTE_USAGE = "用法：/note 工单号 补充内容，例如：/note 2611-0042 打印机型号是 HP M428"
NOTE_SAVED = "已为工单 {number} 添加补充说明。"


async def my_tickets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the reporter's open and recent tickets."""
    person = person_of(update, context)
    if person is None:
        await reply(update, NOT_REGISTERED)
        return
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        text = texts.my_tickets(tickets.of_reporter(session, person.id))
    await reply(update, text)


async def show_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show a ticket's details and history to someone allowed to see it."""
    person = person_of(update, context)
    if person is None:
        await reply(update, NOT_REGISTERED)
        return
    if not context.args:
        await reply(update, texts.NOT_A_NUMBER)
        return
    await send_detail(update, context, person, " ".join(context.args)[:40])


@refusals
async def send_detail(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                      number: str) -> None:
    """Render the ticket detail (with the reporter's buttons) into this chat."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = tickets.find(session, number)
        refusal = _refusal(ticket, person, number)
        if refusal:
            raise Refusal(refusal, alert=False, html=True)
        own = ticket.reporter_id == person.id
        page = texts.detail(ticket, events_of(session, ticket.id), desk.timezone, own)
        rows = texts.reporter_rows(ticket, reporter_buttons.reopen_allowed(desk, ticket)) \
            if own else []
        if ticket.attachments:
            rows.append(attachment_texts.view_row(ticket.id, len(ticket.attachments)))
        rows += page.rows
        ticket_id = ticket.id
    message = await update.effective_message.reply_html(
        page.text, reply_markup=markup(rows) if rows else None)
    with desk.sessions.begin() as session:
        message_links.link(session, message.chat_id, message.message_id, ticket_id,
                           desk.clock.now(), kind="detail")


@refusals
async def on_history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """「更多…」 under a detail: the older part of the history, to whoever may view it."""
    query = update.callback_query
    callback = parse(query.data, texts.HISTORY_PREFIX)
    person = person_of(update, context)
    ticket_id = callback.number(0) if callback and callback.action == "more" else None
    shown = callback.number(1) if callback and len(callback.args) == 2 else None
    if ticket_id is None or shown is None or person is None:
        raise Refusal(texts.STALE)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or not tickets.may_view(person, ticket):
            raise Refusal(texts.NO_RIGHT)
        page = texts.older_history(ticket, events_of(session, ticket.id), desk.timezone,
                                   ticket.reporter_id == person.id, shown)
    await query.answer()
    await reply(update, page.text, reply_markup=markup(page.rows) if page.rows else None)


def _refusal(ticket: Ticket | None, person: PersonView, number: str) -> str | None:
    if ticket is None:
        return texts.NOT_FOUND.format(number=escape(number))
    if not tickets.may_view(person, ticket):
        return texts.NO_RIGHT
    return None


async def add_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/note NUMBER text: the reporter (or a technician) adds to a ticket."""
    person = person_of(update, context)
    if person is None:
        await reply(update, NOT_REGISTERED)
        return
    number = await _replied_ticket_number(update, context)
    if number is not None and context.args and normalise_number(context.args[0]) is None:
        text = update.effective_message.text.split(maxsplit=1)[1]  # /note text, as a reply
        await comment_on(update, context, person, number, text)
        return
    if len(context.args) < 2:
        await reply(update, NOTE_USAGE)
        return
    text = update.effective_message.text.split(maxsplit=2)[2]
    await comment_on(update, context, person, context.args[0][:40], text)


async def _replied_ticket_number(update: Update, context: ContextTypes.DEFAULT_TYPE
                                 ) -> str | None:
    """The number of the ticket whose message this command replies to, if any."""
    parent = update.effective_message.reply_to_message
    if parent is None:
        return None
    await notify.sent_recorded(context)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = message_links.ticket_for(session, parent.chat_id, parent.message_id)
        return ticket.number if ticket is not None else None


@refusals
async def comment_on(update: Update, context: ContextTypes.DEFAULT_TYPE, person: PersonView,
                     number: str, text: str) -> None:
    """Record a comment by the reporter or an internal note by staff; tell the other side."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        ticket = tickets.find(session, number)
        refusal = _refusal(ticket, person, number)
        if refusal:
            raise Refusal(refusal, alert=False, html=True)
        internal = ticket.reporter_id != person.id
        origin = Origin(person.id, update.effective_chat.id, "chat")
        try:
            reporter_actions.comment(session, ticket, person, text, origin, desk.clock.now(),
                                     internal=internal)
        except tickets.TicketError as error:
            raise Refusal(escape(error), alert=False, html=True) from None
        if not internal and relay.resume_if_waiting(session, ticket, origin, desk.clock.now()):
            request_refresh(context, ticket.id)
        if not internal and ticket.assignee is not None:
            notify.to_person(session, desk, ticket.assignee.telegram_id,
                             reporter_buttons.REPORTER_SAID.format(
                                 number=ticket.number, name=escape(person.name),
                                 text=escape(text.strip()[:1500])),
                             ticket_id=ticket.id, kind="relay")
        number_text = ticket.number
    notify.wake(context)
    await reply(update, NOTE_SAVED.format(number=number_text))


def register(application: Application) -> None:
    """Add /my, /ticket, /note and the reporter's ticket buttons."""
    application.add_handler(CommandHandler("my", my_tickets))
    application.add_handler(CommandHandler("ticket", show_ticket))
    application.add_handler(CommandHandler("note", add_note))
    application.add_handler(CallbackQueryHandler(reporter_buttons.on_button, pattern=r"^tr:"))
    application.add_handler(CallbackQueryHandler(on_history, pattern=r"^th:"))
    reporter_buttons.register_flows()


