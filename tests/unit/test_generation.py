from __future__ import annotations

import pytest

from zhimei.backends.scripted import ScriptedBackend
from zhimei.errors import ContextOverflowError
from zhimei.generation import RETRY_TEMPERATURE, Listener, input_hash, retry_options, run_task
from zhimei.records import ArticleInput, CheckResult, Generation, GenerationOptions, TaskParams
from zhimei.tasks import get_task

ARTICLE = ArticleInput(
    text="国家统计局11月15日发布数据显示，10月份全国规模以上工业增加值同比增长5.3%，比上月加快0.5个百分点。",
    lang="zh",
)
OPTS = GenerationOptions(max_tokens=64, seed=1)


class ListSink:
    def __init__(self) -> None:
        self.items: list[Generation] = []

    def append(self, gen: Generation) -> None:
        self.items.append(gen)


def _run(
    replies: list[str], max_retries: int = 2, **kw: object
) -> tuple[Generation, ScriptedBackend, ListSink]:
    backend = ScriptedBackend(replies)
    sink = ListSink()
    gen = run_task(
        get_task("headline"),
        ARTICLE,
        TaskParams(length=20),
        backend,
        OPTS,
        max_retries=max_retries,
        model_requested="scripted",
        sink=sink,
        **kw,  # type: ignore[arg-type]
    )
    return gen, backend, sink


def test_first_answer_that_passes_is_kept_without_retry() -> None:
    gen, backend, sink = _run(["10月工业增加值同比增长5.3%"])
    assert gen.passed and gen.attempts == 1 and len(backend.calls) == 1
    assert gen.output is not None and gen.output.text == "10月工业增加值同比增长5.3%"
    assert sink.items == [gen]


def test_failed_checks_trigger_a_corrective_retry() -> None:
    too_long_and_wrong = (
        "国家统计局发布数据：11月份全国规模以上工业增加值同比增长百分之六点三，比上月明显加快"
    )
    gen, backend, _ = _run([too_long_and_wrong, "10月工业增加值增长5.3%"])
    assert gen.attempts == 2 and gen.passed
    first_failed = {c.name for c in gen.checks_first if not c.passed}
    assert {"length", "grounded_numbers"} <= first_failed
    retry = backend.calls[1].messages
    assert [m.role for m in retry] == ["system", "user", "assistant", "user"]
    assert retry[2].content == too_long_and_wrong
    assert "6.3" in retry[3].content or "六点三" in retry[3].content


def test_retries_are_bounded_and_failures_stay_attached() -> None:
    bad = "12月工业增加值同比增长9.9%"
    gen, backend, _ = _run([bad], max_retries=2)
    assert gen.attempts == 3 and len(backend.calls) == 3
    assert not gen.passed
    assert any(c.name == "grounded_numbers" and not c.passed for c in gen.checks_final)


def test_best_attempt_wins_over_the_last() -> None:
    good_but_long = "10月份全国规模以上工业增加值同比增长5.3%比上月加快0.5个百分点"
    gen, _, _ = _run(["11月增长9.9%", good_but_long, "12月增长7.7%"], max_retries=2)
    assert gen.output is not None and gen.output.text == good_but_long
    assert [c.name for c in gen.checks_final if not c.passed] == ["length"]


def test_empty_reply_is_a_parse_failure_not_a_guess() -> None:
    gen, _, _ = _run(["", "   "], max_retries=1)
    assert gen.output is None and not gen.passed
    assert gen.checks_final[0].name == "parse"


def test_overflow_is_refused_before_the_backend_is_called() -> None:
    backend = ScriptedBackend(["x"], context_size=64)
    with pytest.raises(ContextOverflowError):
        run_task(
            get_task("summary"),
            ArticleInput(text="新闻" * 200, lang="zh"),
            TaskParams(),
            backend,
            OPTS,
            max_retries=1,
            model_requested="scripted",
        )
    assert backend.calls == []


def test_listener_sees_streamed_text_and_retries() -> None:
    seen: list[str] = []
    retries: list[tuple[int, tuple[CheckResult, ...]]] = []
    listener = Listener(on_text=seen.append, on_retry=lambda i, failed: retries.append((i, failed)))
    _run(["12月增长9.9%", "10月工业增加值增长5.3%"], listener=listener)
    assert "".join(seen) == "12月增长9.9%10月工业增加值增长5.3%"
    assert len(retries) == 1 and retries[0][0] == 1


def test_provenance_fields() -> None:
    gen, _, _ = _run(["10月工业增加值同比增长5.3%"])
    assert gen.task_id == "headline" and gen.prompt_version == "headline.v1"
    assert gen.backend == "scripted" and gen.model_resolved == "scripted"
    assert gen.input_hash == input_hash(ARTICLE) and len(gen.input_hash) == 64
    assert gen.usage.completion_tokens > 0 and gen.usage.prompt_tokens > 0
    assert gen.options == OPTS


def test_input_hash_depends_on_content_only() -> None:
    same = ArticleInput(text=ARTICLE.text, lang="zh")
    assert input_hash(same) == input_hash(ARTICLE)
    assert input_hash(ArticleInput(text=ARTICLE.text + "。", lang="zh")) != input_hash(ARTICLE)


def test_retries_sample_with_seeds_derived_from_the_request() -> None:
    gen, backend, _ = _run(["12月增长9.9%", "10月工业增加值增长5.3%"])
    first, retry = backend.calls[0].options, backend.calls[1].options
    assert first == OPTS and first.temperature == 0.0
    assert retry.temperature == RETRY_TEMPERATURE and retry.seed == retry_options(OPTS, 1).seed != OPTS.seed
    assert gen.options == OPTS  # the logged options are the request's; retries derive from them


def test_a_retry_reply_that_echoes_the_instruction_is_not_an_answer() -> None:
    from zhimei.api import Zhimei
    from zhimei.backends.scripted import ScriptedBackend
    from zhimei.config import load_settings
    from zhimei.records import ArticleInput, GenerationRequest

    def echo_instruction(request: GenerationRequest) -> str:
        return request.messages[-1].content

    backend = ScriptedBackend(
        ["这是一个远远超过二十个字的标题，说的是杭州马拉松有三万名选手参加比赛", echo_instruction]
    )
    zm = Zhimei(load_settings({"database_url": "sqlite://", "max_retries": 1}), backend=backend)
    inp = ArticleInput(text="杭州马拉松11月22日举行，3万名选手参赛。", lang="zh")
    (gen,) = zm.generate("headline", inp)
    assert gen.attempts == 2
    assert gen.output is not None and gen.output.text.startswith("这是一个")  # the first try is kept
