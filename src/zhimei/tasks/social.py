"""Social posts for Weibo and X: within the platform's own length count, with hashtags.

Weibo topics are written #话题# and X hashtags #Tag; a post carries one to three of them. Links
and figures must come from the article.
"""

from __future__ import annotations

import re
from typing import ClassVar

from zhimei.checks.platforms import LIMITS, Platform, post_length
from zhimei.records import ArticleInput, Attempt, CheckResult, Lang, TaskOutput, TaskParams
from zhimei.tasks.base import Task, article_source, grounding_check, lang_check, links_check, require_text

__all__ = ["SocialTask", "hashtags"]

_WEIBO_TAG = re.compile(r"#([^#\s]{1,30})#")
_X_TAG = re.compile(r"(?<![\w#])#(\w{1,50})")
MAX_TAGS = 3


def hashtags(text: str, platform: Platform) -> list[str]:
    """The hashtags of a post as the platform recognises them."""
    pattern = _WEIBO_TAG if platform == "weibo" else _X_TAG
    return [m.group(1) for m in pattern.finditer(text)]


class SocialTask(Task[ArticleInput]):
    id: ClassVar[str] = "social"
    input_type: ClassVar[type] = ArticleInput
    default_max_tokens: ClassVar[int] = 200
    params: ClassVar[frozenset[str]] = frozenset({"platform", "length"})

    def platform(self, inp: ArticleInput, params: TaskParams) -> Platform:
        return params.platform or ("weibo" if inp.lang == "zh" else "x")

    def limit(self, inp: ArticleInput, params: TaskParams) -> int:
        return params.length or LIMITS[self.platform(inp, params)]

    def source_text(self, inp: ArticleInput) -> str:
        return article_source(inp)

    def context(self, inp: ArticleInput, params: TaskParams) -> dict[str, object]:
        platform = self.platform(inp, params)
        limit = self.limit(inp, params)
        # Aim below the hard limit: the model cannot count the platform's weights.
        aim = round(limit * 0.8)
        if platform == "x" and inp.lang == "zh":
            aim = round(limit * 0.4)  # CJK weighs 2 on X
        elif platform == "weibo" and inp.lang == "en":
            aim = round(limit * 0.3)  # ~6 ASCII characters per English word, at half weight each
        return {"article": inp.text, "title": inp.title, "platform": platform, "limit": limit, "aim": aim}

    def retry_context(self, inp: ArticleInput, params: TaskParams, last: Attempt) -> dict[str, object]:
        out = last.output.text if last.output else ""
        return {"current": post_length(out, self.platform(inp, params))}

    def parse(self, raw: str, lang: Lang) -> TaskOutput:
        cleaned = self.clean(raw, lang)
        lines = [ln.strip() for ln in cleaned.splitlines() if ln.strip()]
        return TaskOutput(text=require_text("\n".join(lines), "post"))

    def check(self, output: TaskOutput, inp: ArticleInput, params: TaskParams) -> tuple[CheckResult, ...]:
        platform = self.platform(inp, params)
        limit = self.limit(inp, params)
        size = post_length(output.text, platform)
        length = CheckResult(
            name="length",
            passed=size <= limit,
            detail=f"{size} as {platform} counts, limit {limit}",
        )
        tags = hashtags(output.text, platform)
        tagged = CheckResult(
            name="hashtags",
            passed=1 <= len(tags) <= MAX_TAGS,
            detail=f"{len(tags)} hashtags, 1–{MAX_TAGS} wanted",
        )
        body = re.sub(r"#", " ", output.text)
        source = self.source_text(inp)
        return (
            length,
            tagged,
            lang_check(body, inp.lang),
            grounding_check(output.text, source),
            links_check(output.text, source),
        )
