"""/report: category → description → impact → urgency → deflection → summary → submit."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import conversations
from bot.report_draft import DraftError, add_file, check_description, new_draft
from handlers import report_submit
from handlers.callbacks import markup, parse
from handlers.common import desk_of, is_private, person_of, reply
from handlers.flows import FlowStep, register_flow
from handlers.media import attachment_of
from handlers.refusals import Refusal, refusals
from handlers.renderers import report as texts
from handlers.renderers.common import PRIVATE_ONLY, escape
from handlers.renderers.welcome import NOT_REGISTERED

FLOW = "report"


async def start_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Begin a report with the category buttons."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    if not is_private(update):
        await reply(update, PRIVATE_ONLY)
        return
    if person_of(update, context) is None:
        await reply(update, NOT_REGISTERED)
        return
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversations.begin(session, desk.clock, update.effective_chat.id,
                            update.effective_user.id, FLOW, "category", new_draft())
        categories = report_submit.active_categories(session)
        text, rows = texts.category_prompt(categories), texts.category_rows(categories)
    await reply(update, text, reply_markup=markup(rows))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a press on any button of the report flow (checked against the open step)."""
    query = update.callback_query
    callback = parse(query.data, texts.PREFIX)
    if callback is None:
        await query.answer(texts.STALE, show_alert=True)
        return
    if callback.action == "new":
        await start_report(update, context)
        return
    handler = BUTTONS.get(callback.action)
    if handler is None:
        await query.answer(texts.STALE, show_alert=True)
        return
    await handler(update, context, callback.args)


@refusals
async def _choose_category(update: Update, context: ContextTypes.DEFAULT_TYPE,
                           args: tuple[str, ...]) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversation = report_submit.open_step(session, update, ("category",))
        category = report_submit.category_by_code(session, args[0] if len(args) == 1 else "")
        if conversation is None or category is None:
            raise Refusal(texts.STALE)
        data = conversation.data
        step = "summary" if data.get("editing") else "description"
        conversations.advance(session, desk.clock, conversation, step, category=category.code,
                              category_name=category.name)
    await update.callback_query.answer()
    if step == "summary":
        await report_submit.show_summary(update, context)
        return
    await reply(update, texts.ASK_DESCRIPTION.format(
        category=escape(category.name), max_files=desk.settings.tickets.max_attachments))


async def _got_description(update: Update, context: ContextTypes.DEFAULT_TYPE,
                           text: str) -> None:
    desk = desk_of(context)
    limit = desk.settings.tickets.max_description_chars
    try:
        description = check_description(text, limit)
    except DraftError as error:
        if str(error) == "empty":
            await reply(update, texts.DESCRIPTION_EMPTY)
            return
        await _too_long(update, context, text, limit)
        return
    with desk.sessions.begin() as session:
        conversation = report_submit.open_step(session, update, ("description",))
        step = "summary" if conversation.data.get("editing") else "impact"
        conversations.advance(session, desk.clock, conversation, step, description=description,
                              rejected_description=None)
    if step == "summary":
        await report_submit.show_summary(update, context)
        return
    await reply(update, texts.ASK_IMPACT, reply_markup=markup(texts.impact_rows()))


async def _too_long(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str,
                    limit: int) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversation = report_submit.open_step(session, update, ("description",))
        conversations.advance(session, desk.clock, conversation, "description",
                              rejected_description=text[:20000])
    await reply(update, texts.DESCRIPTION_TOO_LONG.format(
        length=len(text.strip()), limit=limit, head=escape(text.strip()[:1500])))


@refusals
async def _got_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo or document at any step: attach it (and a caption may be the description)."""
    desk = desk_of(context)
    limit = desk.settings.tickets.max_attachments
    attachment = attachment_of(update.effective_message)
    with desk.sessions.begin() as session:
        conversation = report_submit.open_step(session, update, None)
        data = dict(conversation.data)
        try:
            count = add_file(data, attachment.kind, attachment.file_id, attachment.file_name,
                             limit)
        except DraftError:
            raise Refusal(texts.TOO_MANY_FILES.format(max_files=limit), alert=False,
                          html=True) from None
        conversations.advance(session, desk.clock, conversation, conversation.step,
                              files=data["files"])
        step = conversation.step
    caption = update.effective_message.caption
    if step == "description" and caption:
        await _got_description(update, context, caption)
        return
    follow = texts.PHOTO_NEEDS_TEXT if step == "description" else texts.CHOOSE_WITH_BUTTONS
    await reply(update, texts.PHOTO_RECEIVED.format(count=count, max_files=limit, next=follow))


async def _buttons_expected(update: Update, context: ContextTypes.DEFAULT_TYPE,
                            text: str) -> None:
    await reply(update, texts.CHOOSE_WITH_BUTTONS)


BUTTONS = report_submit.BUTTONS
BUTTONS["cat"] = _choose_category


def register(application: Application) -> None:
    """Add /report, its buttons and its conversation steps."""
    application.add_handler(CommandHandler("report", start_report))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^rp:"))
    waiting = FlowStep(_buttons_expected, _got_file)
    register_flow(FLOW, {
        "category": waiting,
        "description": FlowStep(_got_description, _got_file),
        "impact": waiting,
        "urgency": waiting,
        "deflection": waiting,
        "summary": waiting,
    })
