"""Asking the knowledge base: plain private text, /kb, full articles in pages, feedback."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from handlers.callbacks import markup, parse
from handlers.common import desk_of, person_of, reply
from handlers.flows import set_default_text
from handlers.knowledge_refs import article_by_id, last_question
from handlers.refusals import Refusal, refusals
from handlers.renderers import knowledge_chat as texts
from handlers.renderers.markdown import pages
from handlers.renderers.welcome import NOT_REGISTERED
from knowledge.errors import KnowledgeError

VISIBLE_TO_ALL = ("published",)


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer a question with the best published articles, or offer to report."""
    desk, person = desk_of(context), person_of(update, context)
    if person is None:
        await reply(update, NOT_REGISTERED)
        return
    question = " ".join(question.split())
    note = len(question) > texts.MAX_QUESTION_CHARS
    question = question[: texts.MAX_QUESTION_CHARS]
    with desk.sessions.begin() as session:
        hits = desk.knowledge.search(session, question, limit=3, asker_id=person.id)
    if note:
        await reply(update, texts.QUESTION_TOO_LONG.format(limit=texts.MAX_QUESTION_CHARS))
    if not hits:
        await reply(update, texts.nothing_found(question),
                    reply_markup=markup(texts.report_row()))
        return
    rows = texts.answer_rows([hit.article_id for hit in hits])
    await reply(update, texts.answers(hits), reply_markup=markup(rows))


async def kb_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/kb 关键词: the same as asking in plain text."""
    if not context.args:
        await reply(update, texts.KB_USAGE)
        return
    await ask(update, context, update.effective_message.text.split(maxsplit=1)[1])


@refusals
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """查看全文 (with pages), 有帮助, 没帮助."""
    query = update.callback_query
    callback = parse(query.data, texts.PREFIX)
    person = person_of(update, context)
    article_id = callback.number(0) if callback else None
    if article_id is None or person is None:
        raise Refusal(texts.NOT_AVAILABLE)
    page = callback.number(1, minimum=0) if len(callback.args) == 2 else None
    if callback.action == "view" and page is not None:
        await _show(update, context, person, article_id, page)
    elif callback.action in ("up", "down") and len(callback.args) == 1:
        await _feedback(update, context, person, article_id, callback.action == "up")
    else:
        raise Refusal(texts.NOT_AVAILABLE)


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE, person, article_id: int,
                page: int) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        article = article_by_id(session, article_id)
        if article is None or article.status not in _visible_to(person):
            raise Refusal(texts.NOT_AVAILABLE)
        rendered = pages(article.body)
        if page >= len(rendered):
            raise Refusal(texts.NOT_AVAILABLE)
        if page == 0:
            desk.knowledge.record_view(session, article.key, person.id)
        title = article.title
    text = texts.article_page(title, rendered[page], page, len(rendered))
    keyboard = markup(texts.page_rows(article_id, page, len(rendered)))
    query = update.callback_query
    await query.answer()
    if page == 0 and not _is_article_message(query.message):
        await reply(update, text, reply_markup=keyboard)
    else:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


def _visible_to(person) -> tuple[str, ...]:
    """The article states this person may read (and vote on)."""
    return VISIBLE_TO_ALL + (("draft", "in_review")
                             if person.has_role("knowledge_manager") else ())


def _is_article_message(message: object) -> bool:
    text = getattr(message, "text", "") or ""
    return text.startswith("📄")


async def _feedback(update: Update, context: ContextTypes.DEFAULT_TYPE, person,
                    article_id: int, helpful: bool) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        article = article_by_id(session, article_id)
        if article is None or article.status not in _visible_to(person):
            raise Refusal(texts.NOT_AVAILABLE)
        # 没帮助 feeds the gap list; 有帮助 proposes the question as a similar question.
        question = last_question(session, person.id)
        try:
            desk.knowledge.record_feedback(session, article.key, helpful, person.id, question)
        except KnowledgeError:
            raise Refusal(texts.NOT_AVAILABLE) from None
    await update.callback_query.answer(texts.THANKS_HELPFUL if helpful
                                       else texts.THANKS_UNHELPFUL)


def register(application: Application) -> None:
    """Add /kb, the article buttons, and make plain private text a question."""
    application.add_handler(CommandHandler("kb", kb_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^kb:"))
    set_default_text(ask)
