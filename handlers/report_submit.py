"""The later steps of /report: impact, urgency, deflection, summary, and submission."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import ContextTypes

from bot import conversations, tickets
from bot.lifecycle import Origin
from bot.models import Category, Conversation
from bot.report_draft import DraftError, to_report
from bot.settings import IMPACTS, URGENCIES
from handlers import notify
from handlers.callbacks import drop_buttons, markup
from handlers.common import desk_of, person_of, reply
from handlers.deflection import deflection_articles, record_deflection
from handlers.refusals import Refusal, refusals
from handlers.renderers import report as texts

ButtonHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, tuple[str, ...]], Awaitable[None]]
FLOW = "report"


def active_categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.active)
                                .order_by(Category.position)))


def category_by_code(session: Session, code: str) -> Category | None:
    return session.scalar(select(Category).where(Category.code == code, Category.active))


def open_step(session: Session, update: Update, steps: tuple[str, ...] | None
              ) -> Conversation | None:
    """The person's open report, if it is at one of `steps` (any step for None)."""
    conversation = conversations.current(session, update.effective_chat.id,
                                         update.effective_user.id)
    if conversation is None or conversation.flow != FLOW:
        return None
    if steps is not None and conversation.step not in steps:
        return None
    return conversation


@refusals
async def _choose(update: Update, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...],
                  step: str, key: str, allowed: tuple[str, ...]) -> str | None:
    """Store a button choice made at `step`; return the next step, or None if stale."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversation = open_step(session, update, (step,))
        if conversation is None or len(args) != 1 or args[0] not in allowed:
            raise Refusal(texts.STALE)
        following = {"impact": "urgency", "urgency": "deflection"}[step]
        if conversation.data.get("editing"):
            following = "summary"
        conversations.advance(session, desk.clock, conversation, following, **{key: args[0]})
    await update.callback_query.answer()
    return following


async def _impact(update: Update, context: ContextTypes.DEFAULT_TYPE,
                  args: tuple[str, ...]) -> None:
    following = await _choose(update, context, args, "impact", "impact", IMPACTS)
    if following == "urgency":
        await reply(update, texts.ASK_URGENCY, reply_markup=markup(texts.urgency_rows()))
    elif following == "summary":
        await show_summary(update, context)


async def _urgency(update: Update, context: ContextTypes.DEFAULT_TYPE,
                   args: tuple[str, ...]) -> None:
    following = await _choose(update, context, args, "urgency", "urgency", URGENCIES)
    if following == "deflection":
        await _offer_articles(update, context)
    elif following == "summary":
        await show_summary(update, context)


async def _offer_articles(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show matching knowledge-base articles before a ticket is made, if there are any."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversation = open_step(session, update, ("deflection",))
        found = deflection_articles(context, session, conversation.data["description"])
        if not found:
            conversations.advance(session, desk.clock, conversation, "summary")
    if not found:
        await show_summary(update, context)
        return
    text, rows = found
    await reply(update, text, reply_markup=markup(rows))


@refusals
async def _solved(update: Update, context: ContextTypes.DEFAULT_TYPE,
                  args: tuple[str, ...]) -> None:
    desk = desk_of(context)
    person = person_of(update, context)
    with desk.sessions.begin() as session:
        conversation = open_step(session, update, ("deflection",))
        if conversation is None or len(args) != 1 or person is None or not record_deflection(
                context, session, args[0], person.id, conversation.data["description"]):
            raise Refusal(texts.STALE)
        conversations.end(session, update.effective_chat.id, update.effective_user.id)
    await update.callback_query.answer()
    await reply(update, texts.DEFLECTED)


@refusals
async def _need_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE,
                       args: tuple[str, ...]) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversation = open_step(session, update, ("deflection",))
        if conversation is None:
            raise Refusal(texts.STALE)
        conversations.advance(session, desk.clock, conversation, "summary")
    await update.callback_query.answer()
    await show_summary(update, context)


async def show_summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The summary card with priority and due times, and the submit buttons."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversation = open_step(session, update, ("summary",))
        data = dict(conversation.data)
        conversations.advance(session, desk.clock, conversation, "summary", editing=False)
    priority = desk.sla.priority(data["impact"], data["urgency"])
    due = desk.sla.due_times(priority, desk.clock.now())
    text = texts.summary(data["category_name"], data, priority, due, desk.timezone)
    await reply(update, text, reply_markup=markup(texts.summary_rows(data["token"])))


@refusals
async def _submit(update: Update, context: ContextTypes.DEFAULT_TYPE,
                  args: tuple[str, ...]) -> None:
    """Make the ticket, exactly once however often the button is pressed."""
    desk, query = desk_of(context), update.callback_query
    person = person_of(update, context)
    if len(args) != 1 or person is None:
        raise Refusal(texts.STALE)
    with desk.sessions.begin() as session:
        conversation = open_step(session, update, ("summary",))
        if conversation is None or conversation.data.get("token") != args[0]:
            ticket = session.scalar(select(tickets.Ticket).where(
                tickets.Ticket.submission_key == args[0],
                tickets.Ticket.reporter_id == person.id))
            text = texts.ALREADY_SUBMITTED.format(number=ticket.number) if ticket else texts.STALE
            raise Refusal(text)
        try:
            report = to_report(conversation.data)
            origin = Origin(person.id, update.effective_chat.id, "private")
            ticket, created = tickets.submit(session, desk.sla, desk.timezone, person, report,
                                             args[0], origin, desk.clock.now())
        except tickets.TicketError as error:
            raise Refusal(str(error)) from None
        except DraftError:
            raise Refusal(texts.STALE) from None
        conversations.end(session, update.effective_chat.id, update.effective_user.id)
        if created:
            notify.new_ticket(session, desk, ticket)
        number, priority = ticket.number, ticket.priority
    notify.wake(context)
    # the answer and the confirmation first, together; then the summary loses its buttons
    await asyncio.gather(query.answer(),
                         reply(update, texts.SUBMITTED.format(number=number, priority=priority)))
    await drop_buttons(query)


@refusals
async def _edit(update: Update, context: ContextTypes.DEFAULT_TYPE,
                args: tuple[str, ...]) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        if not _this_draft(open_step(session, update, ("summary",)), args):
            raise Refusal(texts.STALE)
    await update.callback_query.answer()
    await reply(update, texts.ASK_EDIT, reply_markup=markup(texts.edit_rows(args[0])))


@refusals
async def _fix(update: Update, context: ContextTypes.DEFAULT_TYPE,
               args: tuple[str, ...]) -> None:
    desk = desk_of(context)
    targets = dict(texts.EDIT_TARGETS)
    with desk.sessions.begin() as session:
        conversation = open_step(session, update, ("summary",))
        if len(args) != 2 or args[0] not in targets or not _this_draft(conversation, args[1:]):
            raise Refusal(texts.STALE)
        conversations.advance(session, desk.clock, conversation, args[0], editing=True)
        categories = active_categories(session) if args[0] == "category" else []
    await update.callback_query.answer()
    prompts = {
        "category": (texts.category_prompt(categories), texts.category_rows(categories)),
        "description": (texts.ASK_DESCRIPTION.format(category="（不变）", max_files=desk.settings
                                                     .tickets.max_attachments), None),
        "impact": (texts.ASK_IMPACT, texts.impact_rows()),
        "urgency": (texts.ASK_URGENCY, texts.urgency_rows()),
    }
    text, rows = prompts[args[0]]
    await reply(update, text, reply_markup=markup(rows) if rows else None)


@refusals
async def _abandon(update: Update, context: ContextTypes.DEFAULT_TYPE,
                   args: tuple[str, ...]) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        if not _this_draft(open_step(session, update, None), args):
            raise Refusal(texts.STALE)
        conversations.end(session, update.effective_chat.id, update.effective_user.id)
    await update.callback_query.answer()
    await reply(update, texts.CANCELLED)


def _this_draft(conversation: Conversation | None, args: tuple[str, ...]) -> bool:
    """The button belongs to the open draft (its token), not to an older summary."""
    return (conversation is not None and len(args) == 1
            and conversation.data.get("token") == args[0])


BUTTONS: dict[str, ButtonHandler] = {
    "imp": _impact, "urg": _urgency, "solved": _solved, "need": _need_ticket,
    "ok": _submit, "edit": _edit, "fix": _fix, "no": _abandon,
}
