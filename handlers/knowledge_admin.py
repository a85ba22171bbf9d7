"""Knowledge managers write and edit articles in chat: /kb_new, /kb_edit."""

from __future__ import annotations

from sqlalchemy import select
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import conversations
from bot.models import Category
from handlers.callbacks import markup
from handlers.common import desk_of, is_private, person_of, reply
from handlers.flows import FlowStep, register_flow
from handlers.refusals import Refusal, refusals
from handlers.renderers import knowledge_admin as texts
from handlers.renderers.common import PRIVATE_ONLY, escape
from handlers.renderers.markdown import pages
from knowledge.errors import KnowledgeError

NEW_FLOW, EDIT_FLOW = "kb_new", "kb_edit"


def manager_or_refuse(update: Update, context: ContextTypes.DEFAULT_TYPE):
    """The person, if a knowledge manager in private chat; else Refusal."""
    person = person_of(update, context)
    if person is None or not person.has_role("knowledge_manager"):
        raise Refusal(texts.NO_ROLE, alert=update.callback_query is not None)
    if not is_private(update):
        raise Refusal(PRIVATE_ONLY, alert=update.callback_query is not None)
    return person


def article_by_key(desk, session, typed: str):  # type: ignore[no-untyped-def]
    """The article with the key a manager typed, or a Refusal saying it does not exist."""
    try:
        return desk.knowledge.get(session, typed[:64])
    except KnowledgeError as error:
        raise Refusal(str(error), alert=False) from None


@refusals
async def kb_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start writing a new article: title → body → tags → category → preview."""
    manager_or_refuse(update, context)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversations.begin(session, desk.clock, update.effective_chat.id,
                            update.effective_user.id, NEW_FLOW, "title")
    await reply(update, texts.ASK_TITLE)


def _advance(context, update: Update, step: str, **data) -> dict:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        conversations.advance(session, desk.clock, conversation, step, **data)
        return dict(conversation.data)


@refusals
async def _title(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    title = " ".join(text.split())
    if not title or len(title) > texts.MAX_TITLE:
        raise Refusal(texts.TITLE_BAD, alert=False)
    _advance(context, update, "body", title=title)
    await reply(update, texts.ASK_BODY)


@refusals
async def _body(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    body = text.strip()
    if not body or len(body) > texts.MAX_BODY:
        raise Refusal(texts.BODY_BAD, alert=False)
    _advance(context, update, "tags", body=body)
    await reply(update, texts.ASK_TAGS)


@refusals
async def _tags(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    tags = texts.parse_tags(text)
    if tags is None:
        raise Refusal(texts.TAGS_BAD, alert=False)
    _advance(context, update, "category", tags=tags)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        categories = [(c.code, c.name) for c in session.scalars(
            select(Category).where(Category.active).order_by(Category.position))]
    await reply(update, texts.ASK_CATEGORY, reply_markup=markup(texts.category_rows(categories)))


async def show_preview(update: Update, context: ContextTypes.DEFAULT_TYPE, data: dict) -> None:
    """The article as readers will see it (first page), with save / submit / cancel."""
    body = pages(data["body"])[0]
    text = texts.preview(data["title"], body, data.get("tags", []), data.get("category_name"))
    await reply(update, text, reply_markup=markup(texts.preview_rows()))


async def _expect_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE,
                          text: str) -> None:
    await reply(update, "请点击上方按钮。发送 /cancel 可放弃。")


@refusals
async def kb_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/kb_edit KEY: choose what to change; every edit is kept as a version."""
    manager_or_refuse(update, context)
    if not context.args:
        raise Refusal(texts.EDIT_USAGE, alert=False)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        article = article_by_key(desk, session, context.args[0])
        text = texts.EDIT_WHAT.format(key=escape(article.key), title=escape(article.title),
                                      status=texts.STATUS.get(article.status, article.status))
        rows = texts.edit_rows(article.id)
    await reply(update, text, reply_markup=markup(rows))


@refusals
async def _new_value(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    desk, person = desk_of(context), manager_or_refuse(update, context)
    with desk.sessions.begin() as session:
        conversation = conversations.current(session, update.effective_chat.id,
                                             update.effective_user.id)
        key, field = conversation.data["key"], conversation.data["field"]
        value: object = text.strip()
        if field == "tags":
            value = texts.parse_tags(text)
        bad = {"title": not value or len(value) > texts.MAX_TITLE,
               "body": not value or len(value) > texts.MAX_BODY, "tags": value is None}[field]
        if bad:
            raise Refusal({"title": texts.TITLE_BAD, "body": texts.BODY_BAD,
                           "tags": texts.TAGS_BAD}[field], alert=False)
        try:
            article = desk.knowledge.update(session, key, editor_id=person.id, **{field: value})
        except KnowledgeError as error:
            conversations.end(session, update.effective_chat.id, update.effective_user.id)
            raise Refusal(str(error), alert=False) from None
        conversations.end(session, update.effective_chat.id, update.effective_user.id)
        done = texts.EDITED.format(key=escape(article.key), version=article.version)
    await reply(update, done)


def register(application: Application) -> None:
    """Add /kb_new and /kb_edit with their conversation steps."""
    application.add_handler(CommandHandler("kb_new", kb_new))
    application.add_handler(CommandHandler("kb_edit", kb_edit))
    waiting = FlowStep(_expect_buttons)
    register_flow(NEW_FLOW, {"title": FlowStep(_title), "body": FlowStep(_body),
                             "tags": FlowStep(_tags), "category": waiting,
                             "preview": waiting})
    register_flow(EDIT_FLOW, {"value": FlowStep(_new_value)})
