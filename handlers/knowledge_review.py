"""Knowledge managers' buttons and lists: review, approve/reject, retire, gaps, saving drafts."""

from __future__ import annotations

from sqlalchemy import select
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import conversations
from bot.models import Category
from bot.people import PersonView
from handlers import notify
from handlers.callbacks import drop_buttons, markup, parse
from handlers.common import desk_of, reply
from handlers.flows import FlowStep, register_flow
from handlers.knowledge_admin import (
    EDIT_FLOW,
    NEW_FLOW,
    article_by_key,
    manager_or_refuse,
    show_preview,
)
from handlers.knowledge_refs import article_by_id
from handlers.refusals import Refusal, refusals
from handlers.renderers import knowledge_admin as texts
from handlers.renderers import knowledge_questions as question_texts
from handlers.renderers.common import escape
from knowledge.errors import KnowledgeError

REJECT_FLOW = "kb_reject"


@refusals
async def kb_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the articles waiting for review, each with 查看 / 通过 / 退回."""
    manager_or_refuse(update, context)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        items = [(texts.pending_item(a, desk.timezone), texts.review_rows(a.id))
                 for a in desk.knowledge.list_pending_review(session)[:10]]
    if not items:
        await reply(update, texts.NO_PENDING)
    for text, rows in items:
        await reply(update, text, reply_markup=markup(rows))


@refusals
async def kb_retire(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/kb_retire KEY: ask for confirmation, then take the article out of search."""
    manager_or_refuse(update, context)
    if not context.args:
        raise Refusal(texts.RETIRE_USAGE, alert=False)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        article = article_by_key(desk, session, context.args[0])
        text = texts.CONFIRM_RETIRE.format(key=escape(article.key), title=escape(article.title))
        rows = texts.retire_rows(article.id)
    await reply(update, text, reply_markup=markup(rows))


@refusals
async def kb_gaps(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Questions that found nothing or were marked 没帮助, most frequent and recent first."""
    manager_or_refuse(update, context)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        found = desk.knowledge.gaps(session, limit=20)
        text = texts.gaps(found, desk.timezone)
    rows = question_texts.gap_rows([gap.question for gap in found])
    await reply(update, text, reply_markup=markup(rows) if rows else None)


@refusals
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every km: button: check the role first, then act."""
    person = manager_or_refuse(update, context)
    callback = parse(update.callback_query.data, texts.PREFIX)
    article_id = callback.number(0, minimum=0) if callback else None
    handler = BUTTONS.get(callback.action) if callback else None
    if article_id is None or handler is None:
        raise Refusal(texts.STALE)
    await handler(update, context, person, article_id, callback.args[1:])


async def _category(update, context, person: PersonView, _id: int, args) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        if conversation is None or conversation.flow != NEW_FLOW or len(args) != 1 \
                or conversation.step != "category":
            raise Refusal(texts.STALE)
        category = None if args[0] == "none" else session.scalar(
            select(Category).where(Category.code == args[0], Category.active))
        if args[0] != "none" and category is None:
            raise Refusal(texts.STALE)
        conversations.advance(session, desk.clock, conversation, "preview",
                              category=category.code if category else None,
                              category_name=category.name if category else None)
        data = dict(conversation.data)
    await update.callback_query.answer()
    await show_preview(update, context, data)


async def _save(update, context, person: PersonView, _id: int, args,
                submit: bool = False) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        if conversation is None or conversation.flow != NEW_FLOW \
                or conversation.step != "preview":
            raise Refusal(texts.STALE)
        data = conversation.data
        try:
            article = desk.knowledge.create_draft(
                session, title=data["title"], body=data["body"], tags=data.get("tags", []),
                category=data.get("category"), author_id=person.id)
            if submit:
                desk.knowledge.submit_for_review(session, article.key, person.id)
        except KnowledgeError as error:
            raise Refusal(str(error)) from None
        conversations.end(session, update.effective_chat.id, update.effective_user.id)
        key = article.key
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    template = texts.SUBMITTED if submit else texts.SAVED_DRAFT
    await reply(update, template.format(key=escape(key)))


async def _submit(update, context, person, _id, args) -> None:
    await _save(update, context, person, _id, args, submit=True)


async def _drop(update, context, person, _id, args) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversations.end(session, update.effective_chat.id, update.effective_user.id)
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    await reply(update, "已放弃，文章没有保存。")


async def _field(update, context, person, article_id: int, args) -> None:
    desk = desk_of(context)
    if len(args) != 1 or args[0] not in texts.FIELDS:
        raise Refusal(texts.STALE)
    with desk.sessions.begin() as session:
        article = article_by_id(session, article_id)
        if article is None:
            raise Refusal(texts.STALE)
        conversations.begin(session, desk.clock, update.effective_chat.id,
                            update.effective_user.id, EDIT_FLOW, "value",
                            {"key": article.key, "field": args[0]})
    await update.callback_query.answer()
    await reply(update, texts.ASK_NEW_VALUE.format(field=texts.FIELDS[args[0]]))


def _change(session, article_id: int, change) -> object:
    """Apply a review or retire step to the article behind a button, or refuse."""
    article = article_by_id(session, article_id)
    if article is None:
        raise Refusal(texts.STALE)
    try:
        change(article.key)
    except KnowledgeError as error:
        raise Refusal(str(error)) from None
    return article


async def _done(update: Update, text: str) -> None:
    """Answer the press, take the buttons off the message, say what happened."""
    await update.callback_query.answer()
    await drop_buttons(update.callback_query)
    await reply(update, text)


async def _approve(update, context, person: PersonView, article_id: int, args) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        article = _change(session, article_id,
                          lambda key: desk.knowledge.approve(session, key, person.id))
        _tell_author(session, desk, article, texts.TO_AUTHOR_APPROVED, person)
        text = texts.APPROVED.format(key=escape(article.key), title=escape(article.title))
    await _done(update, text)
    notify.wake(context)


def _tell_author(session, desk, article, template: str, person: PersonView,
                 comment: str = "") -> None:
    from bot.models import Person

    author = session.get(Person, article.author_id) if article.author_id else None
    if author is None or author.id == person.id:
        return
    notify.to_person(session, desk, author.telegram_id, template.format(
        title=escape(article.title), key=escape(article.key), comment=escape(comment)))


async def _back(update, context, person, article_id: int, args) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        article = article_by_id(session, article_id)
        if article is None or article.status not in ("draft", "in_review"):
            raise Refusal(texts.STALE)
        conversations.begin(session, desk.clock, update.effective_chat.id,
                            update.effective_user.id, REJECT_FLOW, "comment",
                            {"key": article.key})
        title = article.title
    await update.callback_query.answer()
    await reply(update, texts.ASK_REJECT_COMMENT.format(title=escape(title)))


@refusals
async def _reject_comment(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    desk, person = desk_of(context), manager_or_refuse(update, context)
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        key = conversation.data["key"]
        conversations.end(session, update.effective_chat.id, update.effective_user.id)
        try:
            article = desk.knowledge.reject(session, key, person.id, text[:1000])
        except KnowledgeError as error:
            raise Refusal(str(error), alert=False) from None
        _tell_author(session, desk, article, texts.TO_AUTHOR_REJECTED, person, text[:1000])
    await reply(update, texts.REJECTED.format(key=escape(key)))
    notify.wake(context)


async def _retire(update, context, person, article_id: int, args) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        article = _change(session, article_id,
                          lambda key: desk.knowledge.retire(session, key, person.id))
        key = article.key
    await _done(update, texts.RETIRED.format(key=escape(key)))


BUTTONS = {"cat": _category, "save": _save, "submit": _submit, "drop": _drop,
           "field": _field, "ok": _approve, "back": _back, "retire": _retire}


def register(application: Application) -> None:
    """Add /kb_review, /kb_retire, /kb_gaps and the knowledge managers' buttons."""
    application.add_handler(CommandHandler("kb_review", kb_review))
    application.add_handler(CommandHandler("kb_retire", kb_retire))
    application.add_handler(CommandHandler("kb_gaps", kb_gaps))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^km:"))
    register_flow(REJECT_FLOW, {"comment": FlowStep(_reject_comment)})
