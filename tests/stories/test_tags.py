"""Keywords, entities and document tags (jieba for zh; its dictionary loads once per session)."""

from __future__ import annotations

import itertools
import sys

import pytest

from tests.stories.conftest import FakeConceptEmbedder, MakeDoc
from zhimei.errors import ExtraMissingError, InputError
from zhimei.stories._jieba import jieba_analyse, jieba_posseg, jieba_tokenizer
from zhimei.stories.categories import Category
from zhimei.stories.classify import ZeroShotClassifier
from zhimei.stories.entities import entities
from zhimei.stories.keywords import english_idf, keywords
from zhimei.stories.tags import tag_documents
from zhimei.stories.textprep import clean_text, document_text

ZH = "国务院总理李克强在北京会见美国总统特朗普。中国人民银行宣布下调存款准备金率，释放长期资金。"
EN = (
    "Chinese Premier Li Keqiang met President Donald Trump in Beijing on Monday. "
    "The People's Bank of China cut the reserve requirement ratio. In Shenzhen, Huawei launched "
    "a phone, while Apple unveiled the iPhone in Cupertino, California. Huawei shares rose."
)
HOSTILE = ["", "   \n\t", "a", "中", "😀🎉", "\x00\x01\x1b[0m", "，。！？"]


def test_chinese_keywords_by_tfidf_and_textrank() -> None:
    found = keywords(ZH, "zh", top_k=5)
    assert 1 <= len(found) <= 5 and found[0].weight == 1.0
    assert all(a.weight >= b.weight for a, b in itertools.pairwise(found))
    words = {k.text for k in found}
    assert words & {"李克强", "特朗普", "准备金率", "中国人民银行"}
    ranked = keywords(ZH, "zh", top_k=5, zh_method="textrank")
    assert ranked and ranked[0].weight == 1.0
    # Numbers are not keywords.
    assert not any(k.text.replace(".", "").isdigit() for k in keywords("增长5.2%，达到2024年的5.2水平", "zh"))


def test_english_keywords_skip_stopwords_and_use_idf() -> None:
    found = keywords(EN, "en", top_k=3)
    assert found[0].text == "huawei"  # the only content word said twice
    assert not {k.text for k in keywords(EN, "en", top_k=50)} & {"the", "while", "in", "a"}
    idf = english_idf([EN, "Huawei phones sell well.", "Huawei opens a store.", "Markets rose."])
    assert idf["huawei"] < idf["cupertino"]
    weighted = keywords(EN, "en", top_k=40, en_idf=idf)
    by_word = {k.text: k.weight for k in weighted}
    assert by_word["cupertino"] > 0 and "huawei" in by_word


def test_entities_zh_by_part_of_speech() -> None:
    found = {(e.text, e.kind) for e in entities(ZH, "zh")}
    assert {("李克强", "person"), ("特朗普", "person"), ("北京", "place"), ("美国", "place")} <= found
    assert ("国务院", "organisation") in found
    repeated = entities("李克强会见特朗普。特朗普离开北京。", "zh")
    assert next(e.count for e in repeated if e.text == "特朗普") == 2


def test_entities_en_by_capitalised_spans() -> None:
    found = [e.text for e in entities(EN, "en")]
    assert "People's Bank of China" in found and "Donald Trump" in " ".join(found)
    assert {"Beijing", "Shenzhen", "Cupertino", "California"} <= set(found)
    assert "Monday" not in found and "The" not in found and "In" not in found
    assert "Phone" not in found  # not cut out of iPhone
    assert next(e.count for e in entities(EN, "en") if e.text == "Huawei") == 2
    assert all(e.kind == "name" for e in entities(EN, "en"))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_texts_give_no_keywords_or_entities_and_no_crash(text: str) -> None:
    for lang in ("zh", "en", None):
        assert isinstance(keywords(text, lang), tuple)  # type: ignore[arg-type]
        assert isinstance(entities(text, lang), tuple)  # type: ignore[arg-type]
    assert keywords("", "zh") == () and entities("", "en") == ()
    assert keywords(ZH, "zh", top_k=0) == ()


def test_mixed_scripts_and_huge_texts() -> None:
    mixed = "苹果公司CEO Tim Cook在上海宣布iPhone新品😀，售价5999元。Apple shares rose."
    assert keywords(mixed)  # detected as zh
    assert entities(mixed, "en")
    huge = ZH * 50_000  # 2.3 million characters: read up to the cap
    assert keywords(huge, "zh", top_k=3)
    assert len(entities(EN * 20_000, "en")) < 50


def test_clean_text_removes_controls_and_caps() -> None:
    assert clean_text("a\x00b\x1b[0m  c\u200b\n\nd") == "a b [0m c d"
    assert clean_text("x" * 50, max_chars=10) == "x" * 10
    assert clean_text(" \t\n") == ""


def test_document_text_refuses_empty_documents(doc: MakeDoc) -> None:
    assert document_text(doc("Title", "Body\ttext")) == "Title Body text"
    with pytest.raises(InputError):
        document_text(doc(" ", "\u200b"))


def test_tag_documents(fake_embedder: FakeConceptEmbedder, doc: MakeDoc) -> None:
    clf = ZeroShotClassifier(
        fake_embedder,
        (Category("disaster", ("地震",), ("earthquake",)), Category("sports", ("足球",), ("football",))),
    )
    docs = [
        doc("北海道发生地震", "日本气象厅称，北海道发生6.8级地震，札幌震感强烈。", "zh"),
        doc(
            "Earthquake Hits Hokkaido Coast",
            "The earthquake shook Sapporo, Japan's Meteorological Agency said.",
            "en",
        ),
    ]
    tags = tag_documents(docs, clf, top_topics=1, top_keywords=5)
    assert [t.document for t in tags] == [d.content_hash for d in docs]
    assert [t.topics[0].label for t in tags] == ["disaster", "disaster"]
    assert any(k.text == "地震" for k in tags[0].keywords)
    assert {"北海道", "札幌"} <= {e.text for e in tags[0].entities}
    en_names = {e.text for e in tags[1].entities}
    assert "Sapporo" in en_names and "Earthquake Hits Hokkaido Coast" not in en_names  # title not read
    with pytest.raises(InputError):
        tag_documents([doc("", " ")], clf)


def test_missing_jieba_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    loaders = (jieba_tokenizer, jieba_posseg, jieba_analyse)
    for loader in loaders:
        loader.cache_clear()
    monkeypatch.setitem(sys.modules, "jieba", None)
    try:
        for loader in loaders:
            with pytest.raises(ExtraMissingError, match="stories"):
                loader()
    finally:
        for loader in loaders:
            loader.cache_clear()
