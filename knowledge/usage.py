"""The usage lines of an article: what its examples and options say they do.

A how-to question ("list the files of an archive") is worded like the one-line descriptions an
article gives its examples and options, not like its prose. Those lines are gathered into a
field of their own, short and dense, so that a question matching one of them ranks the article
high without the rest of a long article diluting it:

- the prose line just before a code block (an example's description; a heading in between
  does not matter: the line before the first block is often what the command does);
- the `# comment` of a code line (not a shell prompt such as `[root@host ~]#`);
- the description of an option (`-t, --list   列出归档内容`, `-i：忽略大小写`).
"""

from __future__ import annotations

import re

from knowledge.markdown import plain_line

#: Lines longer than this are prose paragraphs, not one-line descriptions.
MAX_LINE_CHARS = 120
_CJK_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_COMMENT_RE = re.compile(r"(?:^|\s)#+\s*(.+)$")
_OPTION_RE = re.compile(
    r"^\s*[-*+]?\s*`?-{1,2}[A-Za-z0-9?][\w\-=\[\]<>,./|: ]*?`?(?:\s{2,}|\t|[：:]\s*|\s+#\s*)(.+)$"
)

_LISTED_OPTION_RE = re.compile(r"^(?:[-*+]\s+)?`?-{1,2}[A-Za-z0-9?]")


def _described(text: str) -> str | None:
    """Return the line as plain text when it is a Chinese one-line description."""
    line = plain_line(text).strip(" #:：")
    if not line or len(line) > MAX_LINE_CHARS or not _CJK_RE.search(line):
        return None
    return line


def _code_line(line: str) -> str | None:
    """Return the description carried by a line of a code block, if any."""
    option = _OPTION_RE.match(line)
    if option:
        return _described(option.group(1))
    comment = _COMMENT_RE.search(line)
    if comment and not line.lstrip().startswith("#!"):
        return _described(comment.group(1))
    return None


def usage_lines(body: str) -> list[str]:
    """Return the example descriptions, code comments and option descriptions of a body."""
    found: list[str] = []
    in_code = False
    previous = ""
    for line in body.split("\n"):
        if _FENCE_RE.match(line):
            if not in_code and previous:
                described = _described(previous)
                if described:
                    found.append(described)
            in_code = not in_code
            previous = ""
            continue
        stripped = line.strip()
        if in_code:
            described = _code_line(line)
        elif not stripped or stripped.startswith("#"):
            described = None
        else:
            described = _code_line(line) if _LISTED_OPTION_RE.match(stripped) else None
            previous = stripped
        if described:
            found.append(described)
    return list(dict.fromkeys(found))
