"""Usage lines: example descriptions, code comments and option descriptions get their field."""

from __future__ import annotations

from knowledge.index import IndexDoc
from knowledge.usage import usage_lines

BODY = """打包与压缩文件的工具。这一段是介绍，不是用法说明：它比一行说明长得多，讲的是命令的来历、
它和其他压缩工具的区别、为什么先打包再压缩，以及在磁带时代它是怎样被使用的，所以它不算用法说明。

### 选项

```shell
-t, --list                 列出归档内容
-x, --extract, --get       从归档中解出文件
```

- -v：显示处理过程

### 实例

将目录打包并用 gzip 压缩

```shell
[root@localhost ~]# tar -zcvf backup.tar.gz /home/bin/
tar -tf backup.tar   # 查看归档里有哪些文件
#!/bin/sh
```
"""


def test_examples_comments_and_options_are_usage_lines() -> None:
    lines = usage_lines(BODY)
    assert "列出归档内容" in lines
    assert "从归档中解出文件" in lines
    assert "显示处理过程" in lines
    assert "将目录打包并用 gzip 压缩" in lines
    assert "查看归档里有哪些文件" in lines
    # Prose paragraphs, shell prompts and shebangs are not usage lines.
    assert not any("介绍" in line or "localhost" in line or "bin/sh" in line for line in lines)


def test_long_prose_before_a_code_block_is_not_a_usage_line() -> None:
    body = "这是" + "很长的说明" * 30 + "\n\n```\nls\n```\n"
    assert usage_lines(body) == []


def test_the_index_document_carries_the_usage_field() -> None:
    doc = IndexDoc("tar", 1, "published", None, "tar", (), BODY)
    assert "列出归档内容" in str(doc.fields()["usage"])
