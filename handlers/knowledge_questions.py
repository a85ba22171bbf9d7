"""Knowledge managers' similar questions: 归入文章 from /kb_gaps, /kb_questions proposals."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import conversations
from handlers.callbacks import markup, parse
from handlers.common import desk_of, reply
from handlers.flows import FlowStep, register_flow
from handlers.knowledge_admin import manager_or_refuse
from handlers.knowledge_refs import article_by_id
from handlers.refusals import Refusal, refusals
from handlers.renderers import knowledge_questions as texts
from handlers.renderers.common import escape, trim
from knowledge.errors import KnowledgeError

ATTACH_FLOW = "kb_attach"
GAPS_LISTED = 20
MANAGED = ("published", "draft", "in_review")


@refusals
async def kb_questions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List proposed similar questions, each with 采纳 / 不采纳."""
    manager_or_refuse(update, context)
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        items = [(texts.proposal(q.text, q.article.key, q.article.title, q.source),
                  texts.proposal_rows(q.id))
                 for q in desk.knowledge.question_proposals(session, limit=10)]
    if not items:
        await reply(update, texts.NO_PROPOSALS)
    for text, rows in items:
        await reply(update, text, reply_markup=markup(rows))


@refusals
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every kq: button: check the role first, then act on ids that are still valid."""
    person = manager_or_refuse(update, context)
    callback = parse(update.callback_query.data, texts.PREFIX)
    if callback is None or not callback.args or not all(a.isdigit() for a in callback.args):
        raise Refusal(texts.STALE)
    numbers = [int(arg) for arg in callback.args]
    if callback.action == "gap" and len(numbers) == 2:
        await _gap(update, context, *numbers)
    elif callback.action == "to" and len(numbers) == 1:
        await _attach_to(update, context, person.id, numbers[0])
    elif callback.action in ("ok", "no") and len(numbers) == 1:
        await _decide(update, context, person.id, numbers[0], callback.action == "ok")
    else:
        raise Refusal(texts.STALE)


async def _gap(update: Update, context: ContextTypes.DEFAULT_TYPE, index: int,
               token: int) -> None:
    """归入文章 N: find gap N again (it must still be the same question) and ask where to."""
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        gaps = desk.knowledge.gaps(session, limit=GAPS_LISTED)
        if not 1 <= index <= len(gaps) or texts.gap_token(gaps[index - 1].question) != token:
            raise Refusal(texts.STALE)
        question = gaps[index - 1].question
        conversations.begin(session, desk.clock, update.effective_chat.id,
                            update.effective_user.id, ATTACH_FLOW, "article",
                            {"question": question})
    await update.callback_query.answer()
    await reply(update, texts.ASK_ARTICLE.format(question=escape(trim(question, 200))))


def _open_question(session, update: Update) -> str:  # type: ignore[no-untyped-def]
    """The question of the manager's open 归入文章 conversation, or a Refusal."""
    conversation = conversations.current(session, update.effective_chat.id,
                                         update.effective_user.id)
    if conversation is None or conversation.flow != ATTACH_FLOW:
        raise Refusal(texts.STALE)
    return str(conversation.data.get("question") or "")


@refusals
async def _article_typed(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """A key attaches at once; keywords list matching articles to pick from."""
    person = manager_or_refuse(update, context)
    desk = desk_of(context)
    typed = text.strip()[:200]
    with desk.sessions.begin() as session:
        question = _open_question(session, update)
        try:
            article = desk.knowledge.get(session, typed[:64])
        except KnowledgeError:
            article = None
        if article is None:
            hits = desk.knowledge.search(session, typed, limit=texts.MAX_PICKS,
                                         statuses=MANAGED, log=False, floor=0.0)
            picks = [(hit.article_id, hit.title) for hit in hits]
        else:
            done = _attach(desk, session, update, person.id, article.key, question)
    if article is not None:
        await reply(update, done)
    elif picks:
        await reply(update, texts.PICK_ARTICLE, reply_markup=markup(texts.pick_rows(picks)))
    else:
        await reply(update, texts.NO_MATCH)


def _attach(desk, session, update: Update, person_id: int, key: str,  # type: ignore[no-untyped-def]
            question: str) -> str:
    """Attach the question, close the conversation, return the confirmation."""
    try:
        article = desk.knowledge.get(session, key)
        desk.knowledge.attach_question(session, key, question, person_id)
    except KnowledgeError as error:
        raise Refusal(str(error), alert=False) from None
    conversations.end(session, update.effective_chat.id, update.effective_user.id)
    return texts.attached(question, article.key, article.title)


async def _attach_to(update: Update, context: ContextTypes.DEFAULT_TYPE, person_id: int,
                     article_id: int) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        question = _open_question(session, update)
        article = article_by_id(session, article_id)
        if article is None:
            raise Refusal(texts.STALE)
        done = _attach(desk, session, update, person_id, article.key, question)
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)
    await reply(update, done)


async def _decide(update: Update, context: ContextTypes.DEFAULT_TYPE, person_id: int,
                  question_id: int, accept: bool) -> None:
    desk = desk_of(context)
    with desk.sessions.begin() as session:
        try:
            question = desk.knowledge.decide_question(session, question_id, accept, person_id)
        except KnowledgeError:
            raise Refusal(texts.STALE) from None
        text = (texts.ACCEPTED.format(question=escape(trim(question.text, 200)),
                                      key=escape(question.article.key)) if accept
                else texts.REJECTED.format(question=escape(trim(question.text, 200))))
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)
    await reply(update, text)


def register(application: Application) -> None:
    """Add /kb_questions, the kq: buttons and the 归入文章 conversation."""
    application.add_handler(CommandHandler("kb_questions", kb_questions))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^kq:"))
    register_flow(ATTACH_FLOW, {"article": FlowStep(_article_typed)})
