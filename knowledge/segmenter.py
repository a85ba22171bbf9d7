"""jieba's word segmenter with a compact dictionary: the same words, a third less memory.

jieba keeps every prefix of every dictionary word in its frequency table (≈149,000 entries
with frequency 0 next to the 349,000 words) only so that building a sentence's DAG can stop
extending a fragment as soon as no word starts with it. Here the DAG tries the lengths up to
the longest word that starts with the fragment's first character instead. Every word is
found just as before (no word is longer than that bound), so segmentation is identical
(tests/knowledge/test_segmenter.py checks it against jieba on the starter articles, the seeds
and the linux-command corpus). The table takes ≈39 MB instead of ≈63 MB and loads from
jieba's dict.txt in 0.5 s instead of 0.9 s from jieba's cache. The price: more probes per
DAG — the whole corpus segments in ≈1.2 s instead of ≈0.8 s; a question does not notice.
"""

from __future__ import annotations

from typing import Any


def compact_tokenizer(jieba: Any) -> Any:
    """Return a jieba Tokenizer (jieba's class, our dictionary layout) for the default dict."""

    class CompactTokenizer(jieba.Tokenizer):
        def __init__(self) -> None:
            super().__init__()
            self.longest: dict[str, int] = {}

        def initialize(self, dictionary: object = None) -> None:
            with self.lock:
                if self.initialized:
                    return
                freq: dict[str, int] = {}
                longest: dict[str, int] = {}
                total = 0
                with self.get_dict_file() as handle:
                    for number, raw in enumerate(handle, 1):
                        parts = raw.decode("utf-8").split()
                        if not parts:
                            continue
                        try:
                            word, count = parts[0], int(parts[1])
                        except (IndexError, ValueError):
                            raise ValueError(f"jieba dictionary line {number}: {raw!r}") from None
                        freq[word] = count
                        total += count
                        if len(word) > longest.get(word[0], 0):
                            longest[word[0]] = len(word)
                self.FREQ, self.total, self.longest = freq, total, longest
                self.initialized = True

        def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802 (jieba's name)
            self.check_initialized()
            get, longest = self.FREQ.get, self.longest.get
            size = len(sentence)
            dag = {}
            for start in range(size):
                stop = min(size, start + longest(sentence[start], 0))
                ends = [end - 1 for end in range(start + 1, stop + 1)
                        if get(sentence[start:end])]
                dag[start] = ends or [start]
            return dag

        def add_word(self, word: str, freq: Any = None, tag: Any = None) -> None:
            super().add_word(word, freq, tag)
            word = jieba.strdecode(word)
            if word and len(word) > self.longest.get(word[0], 0):
                self.longest[word[0]] = len(word)

    return CompactTokenizer()
