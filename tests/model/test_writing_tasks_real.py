"""Article, rewrite, translate, script, adcopy and social in both languages on the real default model
(1.5B): parsed, every check recorded, checks that tell the truth about the output, retries spent
before giving up, and most cases passing every critical check (no number, link or citation the
sources do not back)."""

from __future__ import annotations

import itertools
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from zhimei.api import Zhimei
from zhimei.backends.embedded import EmbeddedBackend
from zhimei.checks.text import detect_lang
from zhimei.config import load_settings
from zhimei.records import ArticleInput, Generation, TaskParams

pytestmark = pytest.mark.model

CHECKS = {
    "article": {
        "length",
        "language",
        "citations",
        "cited_support",
        "sources_used",
        "grounded_numbers",
        "links",
    },
    "rewrite": {
        "length",
        "language",
        "rewritten",
        "grounded_numbers",
        "links",
    },  # + figures_kept unless concise
    "translate": {
        "completeness",
        "language",
        "untranslated",
        "figures_kept",
        "names_kept",
        "grounded_numbers",
        "links",
    },
    "script": {"duration", "cues", "language", "grounded_numbers", "links"},
    "adcopy": {"length", "language", "attributes", "grounded_numbers", "links"},
    "social": {"length", "hashtags", "language", "grounded_numbers", "links"},
}


def expected_checks(task: str, lang: str) -> set[str]:
    if task == "rewrite" and rewrite_style(lang) != "concise":
        return CHECKS[task] | {"figures_kept"}
    return CHECKS[task]


def rewrite_style(lang: str) -> str:
    # The sample zh article is already formal: a formal rewrite of it is nearly a copy.
    return "concise" if lang == "zh" else "lively"


def sample(name: str) -> Path:
    return Path(str(resources.files("zhimei.samples").joinpath(name)))


def first_paragraphs(zm: Zhimei, name: str, lang: str, count: int) -> ArticleInput:
    """The opening paragraphs of a sample article: enough to test a task, short enough for CI."""
    text = sample(name).read_text(encoding="utf-8")
    return zm.article("\n\n".join([p for p in text.split("\n\n") if p.strip()][:count]), lang)


def run(zm: Zhimei, task: str, lang: str) -> Generation:
    params = TaskParams()
    if task == "article":
        paths = [sample(f"article.{lang}.txt"), sample(f"followup.{lang}.txt")]
        inp: Any = zm.read_sources(paths, lang)
    elif task == "adcopy":
        inp = zm.read_record(sample(f"product.{lang}.json"), lang)
    else:
        inp = first_paragraphs(zm, f"article.{lang}.txt", lang, 2)
        params = {
            "rewrite": TaskParams(style=rewrite_style(lang)),
            "translate": TaskParams(target_lang="en" if lang == "zh" else "zh"),
            "script": TaskParams(kind="video", seconds=30),
            "social": TaskParams(platform="weibo" if lang == "zh" else "x"),
        }[task]
    (gen,) = zm.generate(task, inp, params=params)
    return gen


CASES = [(task, lang) for task in sorted(CHECKS) for lang in ("zh", "en")]
# Of the 12 task × language cases, how many must pass every critical check on the default model
# (measured: 8 of 12 with 2 retries; the misses are the model's: an en→zh translation that turns
# 4800万美元 into 4.8亿美元, an article paragraph without a citation). A drop below is a regression.
FLOOR = 7


@pytest.fixture(scope="module")
def generations(
    tmp_path_factory: pytest.TempPathFactory, embedded_15b: EmbeddedBackend
) -> dict[tuple[str, str], tuple[Zhimei, Generation]]:
    """Every case generated once: the per-case tests and the floor share them."""
    done = {}
    for task, lang in CASES:
        home = tmp_path_factory.mktemp(f"{task}-{lang}")
        settings = load_settings({"home": home, "backend": "scripted"}, environ={}, cwd=home)
        zm = Zhimei(settings, backend=embedded_15b)
        done[task, lang] = (zm, run(zm, task, lang))
    return done


@pytest.mark.parametrize(("task", "lang"), CASES)
def test_writing_task_on_the_default_model(
    task: str, lang: str, generations: dict[tuple[str, str], tuple[Zhimei, Generation]]
) -> None:
    """What holds whatever the model writes: parsed output, every check run, truthful checks."""
    zm, gen = generations[task, lang]
    out_lang = ("en" if lang == "zh" else "zh") if task == "translate" else lang
    assert gen.lang == out_lang
    assert gen.output is not None, gen.checks_final
    checks = {c.name: c for c in gen.checks_final}
    assert {c.name for c in gen.checks_first} == set(checks) == expected_checks(task, lang)
    if checks["language"].passed:
        assert detect_lang(gen.output.text) == out_lang, gen.output.text
    if not gen.passed:  # given up only after every retry
        assert gen.attempts == zm.settings.max_retries + 1
    else:
        assert 1 <= gen.attempts <= zm.settings.max_retries + 1
    fields = gen.output.fields
    if task == "article":
        assert len(fields["citations"]) == len(fields["paragraphs"]) >= 1
        if checks["citations"].passed:
            assert all(fields["citations"]), fields["paragraphs"]
    if task == "script":
        segments = fields["segments"]
        assert segments[0]["start"] == 0
        assert all(a["end"] == b["start"] for a, b in itertools.pairwise(segments))
        if checks["cues"].passed:
            assert len(segments) >= 2 and all(s["cue"] for s in segments), segments
        if checks["duration"].passed:
            assert abs(segments[-1]["end"] - 30) <= 3, segments
    assert zm.log(1)[0] == gen


def test_most_writing_tasks_pass_their_critical_checks(
    generations: dict[tuple[str, str], tuple[Zhimei, Generation]],
) -> None:
    failing = {
        case: [c.name for c in gen.checks_final if c.critical and not c.passed]
        for case, (_, gen) in generations.items()
    }
    passing = [case for case, names in failing.items() if not names]
    assert len(passing) >= FLOOR, {case: names for case, names in failing.items() if names}
