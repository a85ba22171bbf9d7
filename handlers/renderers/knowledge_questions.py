"""Texts and keyboards of similar questions (相似问法): attaching gap questions, proposals."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from handlers.callbacks import pack
from handlers.renderers.common import escape, trim

PREFIX = "kq"
MAX_PICKS = 5

BUTTON_ATTACH = "归入文章 {index}"
BUTTON_ACCEPT = "采纳"
BUTTON_REJECT = "不采纳"
ASK_ARTICLE = ("把问题「{question}」作为相似问法归入哪篇文章？\n"
               "请发送文章编号（key），或发送关键词搜索文章（发送 /cancel 放弃）：")
PICK_ARTICLE = "请选择要归入的文章："
NO_MATCH = "没有找到匹配的文章，请换个关键词，或直接发送文章编号。"
ATTACHED = "已把「{question}」作为相似问法归入文章 {key}《{title}》，以后这样问也能搜到它。"
NO_PROPOSALS = "目前没有待审的相似问法。"
PROPOSAL = "<b>待审的相似问法</b>\n「{question}」\n→ 文章 {key}《{title}》\n来源：{source}"
SOURCES = {"helpful": "用户搜索后点了“有帮助”", "resolved": "报修时看了文章，问题已解决"}
ACCEPTED = "已采纳：「{question}」归入文章 {key}。"
REJECTED = "已不采纳：「{question}」。"
STALE = "此按钮已失效，请重新打开列表。"


def gap_token(question: str) -> int:
    """A short check of a gap's text, so a button cannot attach another gap's question."""
    return zlib.crc32(question.encode("utf-8")) & 0xFFFF


def gap_rows(questions: Sequence[str]) -> list[list[tuple[str, str]]]:
    """One 「归入文章 N」 button per gap (N as numbered in the list), three to a row."""
    buttons = [(BUTTON_ATTACH.format(index=i), pack(PREFIX, "gap", i, gap_token(q)))
               for i, q in enumerate(questions, start=1)]
    return [buttons[i:i + 3] for i in range(0, len(buttons), 3)]


def pick_rows(articles: Sequence[tuple[int, str]]) -> list[list[tuple[str, str]]]:
    """One button per candidate article (id, title)."""
    return [[(trim(title, 40), pack(PREFIX, "to", article_id))]
            for article_id, title in articles[:MAX_PICKS]]


def proposal(question: str, key: str, title: str, source: str) -> str:
    return PROPOSAL.format(question=escape(trim(question, 200)), key=escape(key),
                           title=escape(trim(title, 80)), source=SOURCES.get(source, source))


def proposal_rows(question_id: int) -> list[list[tuple[str, str]]]:
    return [[(BUTTON_ACCEPT, pack(PREFIX, "ok", question_id)),
             (BUTTON_REJECT, pack(PREFIX, "no", question_id))]]


def attached(question: str, key: str, title: str) -> str:
    return ATTACHED.format(question=escape(trim(question, 200)), key=escape(key),
                           title=escape(trim(title, 80)))
