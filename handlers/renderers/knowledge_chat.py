"""Texts and keyboards of asking the knowledge base in chat."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.callbacks import pack
from handlers.renderers.common import escape, trim
from handlers.renderers.knowledge_hits import hits_text

PREFIX = "kb"
MAX_QUESTION_CHARS = 500

ANSWERS = "📚 <b>知识库里可能有答案：</b>\n\n{hits}\n\n没有解决？点「我要报修」。"
NOTHING_FOUND = ("没有找到与“{question}”相关的知识库文章。\n"
                 "可以换个说法再问，或点「我要报修」提交工单。")
QUESTION_TOO_LONG = "您的问题较长，已按前 {limit} 字搜索。若要报告故障，请点「我要报修」。"
KB_USAGE = "用法：/kb 关键词，例如：/kb VPN 连不上。也可以直接发送问题。"
ARTICLE = "📄 <b>{title}</b>\n\n{body}"
PAGE_MARK = "\n\n（第 {page}/{pages} 页）"
NOT_AVAILABLE = "该文章不存在或已下线。"
THANKS_HELPFUL = "感谢反馈！"
THANKS_UNHELPFUL = "感谢反馈，我们会完善这篇文章。需要人工处理请点「我要报修」。"

BUTTON_VIEW = "📄 {index}. 查看全文"
BUTTON_UP = "👍 有帮助"
BUTTON_DOWN = "👎 没帮助"
BUTTON_REPORT = "🛠 我要报修"
BUTTON_PREV = "上一页"
BUTTON_NEXT = "下一页"

Rows = list[list[tuple[str, str]]]


def answers(hits: Sequence[object]) -> str:
    return ANSWERS.format(hits=hits_text(hits))


def nothing_found(question: str) -> str:
    return NOTHING_FOUND.format(question=escape(trim(question, 40)))


def answer_rows(ids: Sequence[int]) -> Rows:
    rows = [[(BUTTON_VIEW.format(index=i), pack(PREFIX, "view", article_id, 0)),
             (BUTTON_UP, pack(PREFIX, "up", article_id)),
             (BUTTON_DOWN, pack(PREFIX, "down", article_id))]
            for i, article_id in enumerate(ids, start=1)]
    return rows + report_row()


def report_row() -> Rows:
    return [[(BUTTON_REPORT, pack("rp", "new"))]]


def article_page(title: str, page_html: str, page: int, pages: int) -> str:
    mark = PAGE_MARK.format(page=page + 1, pages=pages) if pages > 1 else ""
    return ARTICLE.format(title=escape(title), body=page_html) + mark


def page_rows(article_id: int, page: int, pages: int) -> Rows:
    nav = []
    if page > 0:
        nav.append((BUTTON_PREV, pack(PREFIX, "view", article_id, page - 1)))
    if page + 1 < pages:
        nav.append((BUTTON_NEXT, pack(PREFIX, "view", article_id, page + 1)))
    rows = [nav] if nav else []
    rows.append([(BUTTON_UP, pack(PREFIX, "up", article_id)),
                 (BUTTON_DOWN, pack(PREFIX, "down", article_id))])
    return rows + report_row()
