"""The tokenizer: mixed Chinese/English text, the user dictionary, stop words, synonyms."""

from __future__ import annotations

import pickle
from pathlib import Path

from knowledge.analysis import ChineseTokenizer, name_candidates, question_terms, terms, warm_up
from knowledge.query import concepts_of
from knowledge.synonyms import Synonyms


def test_error_codes_ip_addresses_and_versions_stay_whole() -> None:
    found = terms("Win10 更新报错 0x80070005，服务器 192.168.1.10 上的 Office2016 版本 v2.3.1")
    assert "0x80070005" in found
    assert "192.168.1.10" in found
    assert "win10" in found
    assert "office2016" in found
    assert "v2.3.1" in found
    assert "报错" in found


def test_english_words_are_lower_cased_and_compounds_split() -> None:
    found = terms("用 apt-get 安装 Nginx，再看 ssh_config")
    assert {"apt-get", "apt", "get", "nginx", "ssh_config", "ssh", "config"} <= set(found)


def test_full_width_letters_are_folded() -> None:
    assert "vpn" in terms("ＶＰＮ连不上")


def test_user_dictionary_keeps_domain_words_whole() -> None:
    found = terms("政务外网的堡垒机登录失败，公文系统和金财工程也打不开")
    for word in ("政务外网", "堡垒机", "公文系统", "金财工程"):
        assert word in found


def test_search_mode_adds_the_parts_of_long_words() -> None:
    assert {"政务", "外网", "政务外网"} <= set(terms("政务外网"))


def test_stop_words_are_dropped_but_command_names_are_not() -> None:
    found = terms("the printer 的 驱动 at which")
    assert "the" not in found and "的" not in found
    assert {"printer", "驱动", "at", "which"} <= set(found)


def test_question_words_are_dropped_from_questions_only() -> None:
    assert question_terms("请问怎么重置密码呢？") == ["重置", "密码"]
    assert "怎么" in terms("怎么")


def test_analyzer_offsets_point_at_the_original_text() -> None:
    text = "打开 OA 系统"
    tokens = [(t.text, t.startchar, t.endchar) for t in ChineseTokenizer()(text, chars=True)]
    for word, start, end in tokens:
        assert text[start:end].lower() == word


def test_tokenizer_survives_pickling() -> None:
    tokenizer = pickle.loads(pickle.dumps(ChineseTokenizer()))
    assert [t.text for t in tokenizer("VPN 断网")] == ["vpn", "断网"]


def test_warm_up_twice_is_harmless() -> None:
    warm_up()
    warm_up()


def _alternatives(question: str, synonyms: Synonyms) -> set[str]:
    return {term for concept in concepts_of(question, synonyms) for term in concept.all_terms}


def test_packaged_synonyms_expand_questions() -> None:
    synonyms = Synonyms()
    assert {"断网", "网络不通"} <= _alternatives("上不了网怎么办", synonyms)
    assert "计算机" in _alternatives("电脑蓝屏", synonyms)
    assert "口令" in _alternatives("密码忘了", synonyms)


def test_phrase_synonyms_form_one_concept() -> None:
    concepts = concepts_of("上不了网怎么办", Synonyms())
    assert len(concepts) == 1


def test_synonyms_file_is_read_again_when_edited(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("# 测试\n工单/单子\n", encoding="utf-8")
    synonyms = Synonyms(path)
    assert "单子" in _alternatives("工单进度", synonyms)
    assert "请求" not in _alternatives("工单进度", synonyms)
    path.write_text("工单/服务请求\n", encoding="utf-8")
    import os

    os.utime(path, (1, 1))
    assert {"服务", "请求"} <= _alternatives("工单进度", synonyms)


def test_name_candidates_are_ascii_words_and_the_whole_question() -> None:
    assert name_candidates("tar 命令是做什么的？") == ["tar", "tar命令是做什么的"]
