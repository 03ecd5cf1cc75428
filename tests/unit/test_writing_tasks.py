"""Article, rewrite, translate, script, adcopy and social: prompts, parsing and checks, no model."""

from __future__ import annotations

from typing import Any

import pytest

from zhimei.checks.platforms import post_length
from zhimei.errors import InputError, ParseError
from zhimei.records import (
    ArticleInput,
    Attempt,
    CheckResult,
    GenerationOptions,
    RecordInput,
    SourcesInput,
    TaskOutput,
    TaskParams,
    Timings,
    Usage,
)
from zhimei.tasks import get_task
from zhimei.tasks.article import strip_citations
from zhimei.tasks.social import hashtags

OPTS = GenerationOptions()
ZH = ArticleInput(
    text="国家统计局11月15日发布数据显示，10月份全国规模以上工业增加值同比增长5.3%。"
    "10月份社会消费品零售总额4.2万亿元，同比增长3.0%。",
    lang="zh",
)
EN = ArticleInput(
    text="Riverton's council voted 7 to 2 on Tuesday to approve a $48 million plan to rebuild the Harbor "
    "Street bridge. Construction begins in June 2026 and will take about 18 months.",
    lang="en",
)
SOURCES = SourcesInput(
    sources=(
        ArticleInput(text="地铁10号线二期工程将于12月28日开通，新增车站6座，线路长度11.3公里。", lang="zh"),
        ArticleInput(text="开通后，从城西到钱江新城的通勤时间预计缩短20分钟。", lang="zh"),
    ),
    lang="zh",
)
PRODUCT = RecordInput(
    data={"产品": "青禾无线降噪耳机", "续航": "30小时", "价格": "399元", "卖点": ["主动降噪", "蓝牙5.3"]},
    lang="zh",
)


def _checks(task_name: str, output: TaskOutput, inp: Any, params: TaskParams) -> dict[str, CheckResult]:
    return {c.name: c for c in get_task(task_name).check(output, inp, params)}  # type: ignore[arg-type]


def _input(name: str, lang: str) -> Any:
    if name == "adcopy":
        return RecordInput(data={"product": "Lamp", "price": "$49"}, lang=lang)  # type: ignore[arg-type]
    text = "Some news text 2026." if lang == "en" else "一段新闻文字，2026年。"
    art = ArticleInput(text=text, lang=lang)  # type: ignore[arg-type]
    if name == "article":
        return SourcesInput(sources=(art, art), lang=lang)  # type: ignore[arg-type]
    return art


@pytest.mark.parametrize("name", ["article", "rewrite", "translate", "script", "adcopy", "social"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_new_task_has_prompts_and_a_retry_in_both_languages(name: str, lang: str) -> None:
    task = get_task(name)
    inp = _input(name, lang)
    req = task.build(inp, TaskParams(), OPTS)
    system, user = (m.content for m in req.messages)
    assert "<" in user and system
    # Source text sits inside the delimiters, after the instructions.
    body = inp.sources[0].text if name == "article" else ("Lamp" if name == "adcopy" else inp.text)
    if name == "translate":  # figures reach the model already localised: 2026 → 2026年
        body = body.split("2026")[0]
    assert body in user
    failed = Attempt(
        raw="x",
        output=None,
        checks=(CheckResult(name="parse", passed=False),),
        usage=Usage(),
        timings=Timings(),
    )
    assert task.corrective(inp, TaskParams(), failed)


def test_parameters_a_task_does_not_read_are_refused() -> None:
    with pytest.raises(InputError, match="does not take style"):
        get_task("summary").validate(ZH, TaskParams(style="formal"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="already in zh"):
        get_task("translate").validate(ZH, TaskParams(target_lang="zh"))  # type: ignore[arg-type]
    get_task("rewrite").validate(ZH, TaskParams(style="formal"))  # type: ignore[arg-type]


# -- article -------------------------------------------------------------------------------------


def test_article_parse_takes_the_title_and_normalises_citations() -> None:
    raw = (
        "标题：地铁10号线二期12月28日开通\n\n"
        "地铁10号线二期将于12月28日开通，新增车站6座【1】。\n\n通勤时间缩短20分钟[1, 2]。"
    )
    out = get_task("article").parse(raw, "zh")
    assert out.fields["title"] == "地铁10号线二期12月28日开通"
    assert out.fields["citations"] == [[1], [1, 2]]
    assert out.fields["paragraphs"][0].endswith("[1]。")
    assert strip_citations(out.fields["paragraphs"][1]) == "通勤时间缩短20分钟。"


def test_article_parse_drops_scaffolding_and_a_closing_source_list() -> None:
    raw = (
        "Bridge to be rebuilt\n\n#### Headline:\n\nBridge to be rebuilt\n\n#### Paragraph 1:\n\n"
        "The council voted 7 to 2 [1].\n\n**Paragraph 2:**\n\nWork starts in June [2].\n\n"
        "#### Paragraph 3:\n\n#### Sources:\n\n[1] [2]\n[3] Riverton Daily, page 4"
    )
    out = get_task("article").parse(raw, "en")
    assert out.fields["title"] == "Bridge to be rebuilt"
    assert out.fields["paragraphs"] == ["The council voted 7 to 2 [1].", "Work starts in June [2]."]
    assert out.fields["citations"] == [[1], [2]]
    zh = get_task("article").parse(
        "标题：大桥重建\n\n第一段：\n市议会批准重建[1]。\n\n参考资料：\n[1] 河城日报", "zh"
    )
    assert zh.fields["paragraphs"] == ["市议会批准重建[1]。"]


def test_article_checks_citations_support_and_use() -> None:
    task = get_task("article")
    good = task.parse("地铁10号线二期将于12月28日开通，新增车站6座[1]。\n通勤时间预计缩短20分钟[2]。", "zh")
    checks = _checks("article", good, SOURCES, TaskParams(length=40))
    assert checks["citations"].passed and checks["cited_support"].passed and checks["sources_used"].passed
    # 20 minutes is in source 2, not the cited 1; an uncited paragraph; a source that does not exist.
    bad = task.parse("通勤时间缩短20分钟[1]。\n新增车站6座。\n线路长度11.3公里[3]。", "zh")
    checks = _checks("article", bad, SOURCES, TaskParams(length=40))
    assert checks["cited_support"].detail == "paragraph 1: 20 not in [1]"
    assert checks["cited_support"].critical
    assert "paragraph 2 cites no source" in checks["citations"].detail
    assert "cites [3]" in checks["citations"].detail
    assert not checks["sources_used"].passed and "[2]" in checks["sources_used"].detail


def test_article_flags_an_invented_number_once_not_as_a_wrong_citation() -> None:
    out = get_task("article").parse("新增车站8座[1]。\n通勤时间缩短20分钟[2]。", "zh")
    checks = _checks("article", out, SOURCES, TaskParams(length=30))
    assert checks["grounded_numbers"].detail == "numbers not in the source: 8"  # not the [1] [2] markers
    assert checks["cited_support"].passed


def test_article_retry_names_the_unused_source() -> None:
    task = get_task("article")
    out = task.parse("地铁10号线二期将于12月28日开通[1]。", "zh")
    checks = task.check(out, SOURCES, TaskParams())  # type: ignore[arg-type]
    last = Attempt(raw=out.text, output=out, checks=checks, usage=Usage(), timings=Timings())
    retry = task.corrective(SOURCES, TaskParams(), last)  # type: ignore[arg-type]
    assert "[2]没有被引用" in retry


# -- translate -----------------------------------------------------------------------------------


def test_translation_figures_are_compared_by_value_across_languages() -> None:
    source = ArticleInput(text="该公司营收1.2亿元，增长百分之五点三，员工3万人。", lang="zh")
    good = TaskOutput(text="The company's revenue was 120 million yuan, up 5.3%, with 30,000 employees.")
    checks = _checks("translate", good, source, TaskParams())
    assert checks["figures_kept"].passed and checks["grounded_numbers"].passed
    assert checks["language"].passed and checks["completeness"].passed
    lost = TaskOutput(text="The company's revenue was 120 million yuan and grew by 5.4 percent this year.")
    checks = _checks("translate", lost, source, TaskParams())
    assert not checks["figures_kept"].passed and "3万" in checks["figures_kept"].detail
    assert not checks["grounded_numbers"].passed and "5.4 percent" in checks["grounded_numbers"].detail


def test_translation_keeps_latin_names_and_catches_a_missing_part() -> None:
    source = ArticleInput(text="NASA与SpaceX周二宣布，新型火箭将于明年发射。" * 3, lang="zh")
    out = TaskOutput(text="NASA announced a launch.")
    checks = _checks("translate", out, source, TaskParams())
    assert not checks["names_kept"].passed and "SpaceX" in checks["names_kept"].detail
    assert not checks["completeness"].passed and "missing" in checks["completeness"].detail
    assert get_task("translate").output_lang(source, TaskParams()) == "en"  # type: ignore[arg-type]
    req = get_task("translate").build(source, TaskParams(), OPTS)  # type: ignore[arg-type]
    assert "Keep these as written: NASA, SpaceX" in req.messages[0].content


# -- rewrite -------------------------------------------------------------------------------------


def test_rewrite_refuses_a_copy_and_lost_figures() -> None:
    copy = TaskOutput(text=EN.text)
    checks = _checks("rewrite", copy, EN, TaskParams(style="formal"))
    assert not checks["rewritten"].passed
    lost = TaskOutput(
        text="The council backed a bridge rebuild on Tuesday, seven votes to two, costing $48 million; "
        "work is set to begin next summer and last a year and a half."
    )
    checks = _checks("rewrite", lost, EN, TaskParams(style="lively"))
    assert checks["rewritten"].passed
    assert not checks["figures_kept"].passed and "June 2026" in checks["figures_kept"].detail
    concise = _checks(
        "rewrite",
        TaskOutput(text="Riverton approved a $48 million bridge rebuild."),
        EN,
        TaskParams(style="concise"),
    )
    assert "figures_kept" not in concise and concise["grounded_numbers"].passed


# -- script --------------------------------------------------------------------------------------


def test_script_segments_are_timed_from_the_spoken_words() -> None:
    raw = (
        "1. 镜头：统计局发布会现场\n旁白：" + "一" * 40 + "\n\n"
        "[00:10-00:20] **镜头**：工厂流水线\n**旁白**：" + "二" * 60 + "\n"
        "画面说明：这一行不是脚本"
    )
    out = get_task("script").parse(raw, "zh")
    segs = out.fields["segments"]
    assert [s["cue"] for s in segs] == ["统计局发布会现场", "工厂流水线"]
    assert (segs[0]["start"], segs[0]["end"], segs[1]["end"]) == (0.0, 10.0, 25.0)
    assert out.fields["seconds"] == 25.0 and out.fields["kind"] == "video"
    assert out.text.startswith("[00:00-00:10]\n镜头：统计局发布会现场\n旁白：")
    checks = _checks("script", out, ZH, TaskParams(seconds=25))
    assert checks["duration"].passed and checks["cues"].passed
    checks = _checks("script", out, ZH, TaskParams(seconds=60))
    assert not checks["duration"].passed and "25 s" in checks["duration"].detail
    checks = _checks("script", out, ZH, TaskParams(seconds=25, kind="podcast"))
    assert not checks["cues"].passed


def test_script_podcast_in_english_and_unusable_replies() -> None:
    raw = "SOUND: soft piano\nHOST: " + "word " * 25 + "\nHOST: " + "more " * 10
    out = get_task("script").parse(raw, "en")
    assert out.fields["kind"] == "podcast" and out.fields["seconds"] == 14.0
    checks = _checks("script", out, EN, TaskParams(kind="podcast", seconds=14))
    assert not checks["cues"].passed and "2" in checks["cues"].detail  # the second segment has no sound cue
    with pytest.raises(ParseError):
        get_task("script").parse("Here is a script about the bridge.", "en")


def test_a_script_of_one_segment_fails_its_cues() -> None:
    out = get_task("script").parse("SHOT: the bridge at dawn\nNARRATOR: " + "word " * 70, "en")
    assert len(out.fields["segments"]) == 1
    checks = _checks("script", out, EN, TaskParams(kind="video", seconds=28))
    assert checks["duration"].passed and not checks["cues"].passed
    assert "at least 2" in checks["cues"].detail


# -- adcopy --------------------------------------------------------------------------------------


def test_adcopy_realises_every_value_and_invents_none() -> None:
    good = TaskOutput(text="青禾无线降噪耳机，主动降噪，蓝牙5.3，续航30小时，只要399元！")
    checks = _checks("adcopy", good, PRODUCT, TaskParams())
    assert checks["attributes"].passed and checks["grounded_numbers"].passed
    bad = TaskOutput(text="青禾无线降噪耳机，主动降噪，续航长达40小时，只要399元，立即抢购！")
    checks = _checks("adcopy", bad, PRODUCT, TaskParams())
    assert not checks["attributes"].passed and "30小时" in checks["attributes"].detail
    assert "蓝牙5.3" in checks["attributes"].detail
    assert checks["grounded_numbers"].detail == "numbers not in the source: 40"


def test_adcopy_compares_figures_by_value() -> None:
    inp = RecordInput(data={"product": "Lumen Desk Lamp", "price": "$49", "battery": "12 hours"}, lang="en")
    out = TaskOutput(text="Meet the Lumen Desk Lamp: twelve... no, 12 hours of light for just 49 dollars.")
    assert _checks("adcopy", out, inp, TaskParams())["attributes"].passed


# -- social --------------------------------------------------------------------------------------


def test_post_length_counts_as_each_platform_does() -> None:
    assert post_length("abc", "x") == 3
    assert post_length("你好", "x") == 4
    assert post_length("see https://example.org/a/very/long/path/that/goes/on", "x") == 4 + 23
    assert post_length("你好ab", "weibo") == 3
    assert post_length("你好abc", "weibo") == 4


def test_social_checks_platform_length_and_hashtags() -> None:
    ok = TaskOutput(text="10月份规模以上工业增加值同比增长5.3%。#国家统计局# #工业#")
    checks = _checks("social", ok, ZH, TaskParams())
    assert checks["length"].passed and checks["hashtags"].passed and checks["grounded_numbers"].passed
    assert hashtags(ok.text, "weibo") == ["国家统计局", "工业"]
    long = TaskOutput(text="工业增加值同比增长5.3%。" * 12 + "#统计#")
    checks = _checks("social", long, ZH, TaskParams())
    assert not checks["length"].passed and "weibo" in checks["length"].detail
    x_post = TaskOutput(text="Riverton approves $48M bridge rebuild, work starts June 2026 #Riverton")
    checks = _checks("social", x_post, EN, TaskParams())
    assert checks["hashtags"].passed and checks["length"].passed
    link = TaskOutput(text="Bridge plan approved: https://evil.example/x #Riverton")
    checks = _checks("social", link, EN, TaskParams(platform="x"))
    assert not checks["links"].passed and checks["links"].critical


def test_translation_into_english_leaves_no_chinese() -> None:
    out = TaskOutput(
        text="Industrial output of 规模以上 firms grew 5.3% in October, and retail sales rose 3.0%."
    )
    checks = _checks("translate", out, ZH, TaskParams())
    assert not checks["untranslated"].passed and "规模以上" in checks["untranslated"].detail


def test_adcopy_accepts_spelling_variants_but_not_other_words() -> None:
    inp = RecordInput(data={"product": "Lumen Desk Lamp", "modes": "three colour modes"}, lang="en")
    variant = TaskOutput(text="The Lumen Desk Lamp has three color modes.")
    assert _checks("adcopy", variant, inp, TaskParams())["attributes"].passed
    other = TaskOutput(text="The Lumen Desk Lamp has three light modes.")
    assert not _checks("adcopy", other, inp, TaskParams())["attributes"].passed


def test_list_markers_are_not_figures_and_decimals_survive() -> None:
    out = get_task("article").parse("标题\n1. [1]新增车站6座。\n2、1.2亿元投资[1]。", "zh")
    assert out.fields["paragraphs"] == ["[1]新增车站6座。", "1.2亿元投资[1]。"]
    assert get_task("headline").parse("1.2亿元投资落地", "zh").text == "1.2亿元投资落地"


def test_an_over_long_script_is_cut_by_whole_segments_and_says_so() -> None:
    task = get_task("script")
    raw = "\n".join(f"镜头：画面{i}\n旁白：" + "甲乙丙丁戊己"[i] * 40 for i in range(6))  # 6 × 10 s
    out = task.parse(raw, "zh")
    assert out.fields["seconds"] == 60.0
    fitted = task.fit(out, ZH, TaskParams(seconds=30))  # type: ignore[arg-type]
    # Opening and closing stay; middle segments in order while they fit under 33 s.
    assert [s["cue"] for s in fitted.fields["segments"]] == ["画面0", "画面1", "画面5"]
    assert [s["cue"] for s in fitted.fields["cut"]] == ["画面2", "画面3", "画面4"]
    assert fitted.fields["seconds"] == 30.0
    assert _checks("script", fitted, ZH, TaskParams(seconds=30))["duration"].passed
    assert task.fit(out, ZH, TaskParams(seconds=60)) == out  # already fits: untouched
    # Opening and closing alone (20 s) exceed 15 s + 10%: nothing sensible to cut, the check fails it.
    short = task.fit(out, ZH, TaskParams(seconds=15))  # type: ignore[arg-type]
    assert short == out and not _checks("script", short, ZH, TaskParams(seconds=15))["duration"].passed


def test_script_labels_on_their_own_lines_with_numbers() -> None:
    raw = (
        "**SHOT 1:**\nRiverton council chamber, wide.\n\n"
        "**VOICE:**\nThe council voted 7 to 2.\nWork starts in June 2026.\n\n"
        "**SHOT 2:**\nThe Harbor Street bridge.\n"
        "**VOICE:** Traffic moves to Mill Road.\n\n**CLOSE:**\nRiverton"
    )
    out = get_task("script").parse(raw, "en")
    assert [(s["cue"], s["spoken"]) for s in out.fields["segments"]] == [
        ("Riverton council chamber, wide.", "The council voted 7 to 2. Work starts in June 2026."),
        ("The Harbor Street bridge.", "Traffic moves to Mill Road."),
    ]
