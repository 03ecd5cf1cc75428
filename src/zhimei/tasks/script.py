"""Video and podcast scripts: segments of a cue (shot or sound) and the words spoken over it.

The model writes the segments; zhimei times them. Each segment lasts as long as its words take to
say at a news-reading pace, so the timeline is always consistent, and the total must land within
10% of the requested duration.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from zhimei.checks.text import text_length
from zhimei.errors import ParseError
from zhimei.records import ArticleInput, Attempt, CheckResult, Lang, TaskOutput, TaskParams
from zhimei.tasks.base import Task, article_source, grounding_check, lang_check, links_check

__all__ = ["SPEECH_RATE", "ScriptTask", "format_timestamp"]

# Words spoken per second at a news voice-over pace: 240 zh characters or 150 en words a minute.
SPEECH_RATE = {"zh": 4.0, "en": 2.5}
DEFAULT_SECONDS = 60
TOLERANCE = 0.10
MIN_SEGMENTS = 2
# One shot every ~8 s on screen; a podcast segment runs longer.
_SEGMENT_SECONDS = {"video": 8, "podcast": 15}

_CUE_LABELS = {
    "video": r"镜头|画面|shot|visual|scene|camera",
    "podcast": r"音效|音乐|声音|sound|music|sfx|audio",
}
_SPOKEN_LABELS = r"旁白|解说|配音|主持人|主播|narration|narrator|voice[- ]?over|voice|vo|host"
_TIMESTAMP = re.compile(
    r"^\s*[\[(（【]?\s*\d{1,2}:\d{2}(?:\s*[-–~至到]\s*\d{1,2}:\d{2})?\s*[\])）】]?\s*[:：]?\s*"
)
_NUMBERING = re.compile(r"^\s*(?:(?:segment|段落?|第\s*\d+\s*[段个]|\d+[.、)])\s*\d*\s*[:：.]?\s*)", re.I)


def format_timestamp(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _label(kind: str) -> re.Pattern[str]:
    # "SHOT: …", "**SHOT 1:**", "镜头1：…", "VOICE-OVER:" with the text on the same or the next lines.
    return re.compile(
        rf"^\**\s*(?P<label>{_CUE_LABELS[kind]}|{_SPOKEN_LABELS})\s*\d*\s*\**\s*[:：]\s*\**\s*(?P<rest>.*)$",
        re.I,
    )


# Any other short "LABEL:" line (CLOSE:, 画面说明：…) ends the text of the label before it.
_OTHER_LABEL = re.compile(r"^\**\s*[A-Za-z\u4e00-\u9fff][A-Za-z\u4e00-\u9fff -]{0,14}\s*\d*\s*\**\s*[:：]")


class ScriptTask(Task[ArticleInput]):
    id: ClassVar[str] = "script"
    input_type: ClassVar[type] = ArticleInput
    default_max_tokens: ClassVar[int] = 700
    params: ClassVar[frozenset[str]] = frozenset({"kind", "seconds"})

    def kind(self, params: TaskParams) -> str:
        return params.kind or "video"

    def seconds(self, params: TaskParams) -> int:
        return params.seconds or DEFAULT_SECONDS

    def spoken_target(self, lang: Lang, params: TaskParams) -> int:
        """How many zh characters / en words fill the requested duration."""
        return round(self.seconds(params) * SPEECH_RATE[lang])

    def max_tokens(self, inp: ArticleInput, params: TaskParams) -> int:
        # Spoken words plus cues and labels, about twice the spoken text, with room.
        return min(4096, 160 + self.spoken_target(inp.lang, params) * 3)

    def source_text(self, inp: ArticleInput) -> str:
        return article_source(inp)

    def context(self, inp: ArticleInput, params: TaskParams) -> dict[str, object]:
        kind, seconds = self.kind(params), self.seconds(params)
        spoken = self.spoken_target(inp.lang, params)
        segments = max(2, round(seconds / _SEGMENT_SECONDS[kind]))
        return {
            "article": inp.text,
            "title": inp.title,
            "kind": kind,
            "seconds": seconds,
            "spoken": spoken,
            "segments": segments,
            "per_segment": max(1, round(spoken / segments)),
            "spoken_min": round(spoken * (1 - TOLERANCE)),
            "spoken_max": round(spoken * (1 + TOLERANCE)),
        }

    def retry_context(self, inp: ArticleInput, params: TaskParams, last: Attempt) -> dict[str, object]:
        fields = last.output.fields if last.output else {}
        return {"spoken_now": fields.get("spoken_length", 0), "duration_now": fields.get("seconds", 0)}

    def parse(self, raw: str, lang: Lang) -> TaskOutput:
        """Segments from labelled lines; the kind is read from the cue labels the model used."""
        lines = [ln.strip() for ln in self.clean(raw, lang).splitlines() if ln.strip()]
        kind = _kind_of(lines)
        pattern = _label(kind)
        # (is_spoken, text) blocks: a label line opens one; unlabelled lines continue the open one.
        blocks: list[tuple[bool, list[str]]] = []
        open_block = False
        for line in lines:
            stripped = _strip_prefix(line)
            m = pattern.match(stripped)
            if m is not None:
                spoken = re.fullmatch(_SPOKEN_LABELS, m.group("label"), re.I) is not None
                blocks.append((spoken, [m.group("rest").strip().strip("*").strip()]))
                open_block = True
            elif _OTHER_LABEL.match(stripped) or not open_block:
                open_block = False  # headings, separators, notes outside the two labels
            else:
                blocks[-1][1].append(stripped.strip("*").strip())
        segments: list[dict[str, Any]] = []
        cue: str | None = None
        for spoken, parts in blocks:
            content = (" " if lang == "en" else "").join(p for p in parts if p)
            if not spoken:
                cue = content
            elif content:
                segments.append({"cue": cue or "", "spoken": content})
                cue = None
        if not segments:
            raise ParseError("the model returned no script segments with spoken text")
        return self._timed(segments, lang, kind)

    def _timed(self, segments: list[dict[str, Any]], lang: Lang, kind: str) -> TaskOutput:
        start = 0.0
        cue_word = {("video", "zh"): "镜头", ("podcast", "zh"): "音效"}.get(
            (kind, lang), "SHOT" if kind == "video" else "SOUND"
        )
        voice_word = {"zh": "旁白" if kind == "video" else "主持人"}.get(
            lang, "VOICE" if kind == "video" else "HOST"
        )
        colon = "：" if lang == "zh" else ": "
        blocks = []
        for seg in segments:
            length = text_length(seg["spoken"], lang)
            seg["start"] = round(start, 1)
            start += length / SPEECH_RATE[lang]
            seg["end"] = round(start, 1)
            head = f"[{format_timestamp(seg['start'])}-{format_timestamp(seg['end'])}]"
            cue = f"{cue_word}{colon}{seg['cue']}\n" if seg["cue"] else ""
            blocks.append(f"{head}\n{cue}{voice_word}{colon}{seg['spoken']}")
        spoken_length = sum(text_length(s["spoken"], lang) for s in segments)
        return TaskOutput(
            text="\n\n".join(blocks),
            fields={
                "kind": kind,
                "segments": segments,
                "seconds": round(start, 1),
                "spoken_length": spoken_length,
            },
        )

    def fit(self, output: TaskOutput, inp: ArticleInput, params: TaskParams) -> TaskOutput:
        """Cut whole segments from an over-long script, as an editor drops shots, to fit the duration.

        The opening and closing segments stay; middle segments are kept in order while they fit
        under the upper tolerance. The cut segments are listed in ``fields["cut"]``.
        """
        segments: list[dict[str, Any]] = output.fields["segments"]
        lang, limit = inp.lang, self.seconds(params) * (1 + TOLERANCE)
        if output.fields["seconds"] <= limit or len(segments) < 3:
            return output

        def seconds(seg: dict[str, Any]) -> float:
            return text_length(seg["spoken"], lang) / SPEECH_RATE[lang]

        first, middle, last = segments[0], segments[1:-1], segments[-1]
        budget = limit - seconds(first) - seconds(last)
        kept, cut = [first], []
        for seg in middle:
            if seconds(seg) <= budget:
                kept.append(seg)
                budget -= seconds(seg)
            else:
                cut.append(seg)
        if budget < 0:  # opening and closing alone are too long: nothing sensible to cut
            return output
        kept.append(last)
        fitted = self._timed(
            [{"cue": s["cue"], "spoken": s["spoken"]} for s in kept], lang, output.fields["kind"]
        )
        return fitted.model_copy(
            update={
                "fields": {**fitted.fields, "cut": [{"cue": s["cue"], "spoken": s["spoken"]} for s in cut]}
            }
        )

    def check(self, output: TaskOutput, inp: ArticleInput, params: TaskParams) -> tuple[CheckResult, ...]:
        lang = inp.lang
        segments: list[dict[str, Any]] = output.fields["segments"]
        spoken = "\n".join(s["spoken"] for s in segments)
        everything = "\n".join(f"{s['cue']}\n{s['spoken']}" for s in segments)
        return (
            self._duration(output, params),
            self._cues(output, params),
            lang_check(spoken, lang),
            grounding_check(everything, self.source_text(inp)),
            links_check(everything, self.source_text(inp)),
        )

    def _duration(self, output: TaskOutput, params: TaskParams) -> CheckResult:
        target = self.seconds(params)
        actual = float(output.fields["seconds"])
        passed = abs(actual - target) <= target * TOLERANCE
        detail = f"{actual:.0f} s spoken at a news pace, target {target} s ± {TOLERANCE:.0%}"
        return CheckResult(name="duration", passed=passed, detail=detail)

    def _cues(self, output: TaskOutput, params: TaskParams) -> CheckResult:
        kind = self.kind(params)
        segments = output.fields["segments"]
        missing = [i for i, s in enumerate(segments, 1) if not s["cue"]]
        what = "shot" if kind == "video" else "sound"
        problems = [f"segments without a {what} cue: {', '.join(map(str, missing))}"] if missing else []
        if output.fields["kind"] != kind:
            problems.append(f"cues are not {what} cues")
        if len(segments) < MIN_SEGMENTS:  # one long shot or one unbroken read is not a script
            problems.append(f"{len(segments)} segment, a script needs at least {MIN_SEGMENTS}")
        if problems:
            return CheckResult(name="cues", passed=False, detail="; ".join(problems))
        return CheckResult(name="cues", passed=True, detail=f"every segment has a {what} cue")


def _kind_of(lines: list[str]) -> str:
    """The kind whose cue labels the lines use most (video on a tie or when there are none)."""
    count = {
        kind: sum(
            bool(re.match(rf"^\**\s*(?:{labels})\s*\**\s*[:：]", _strip_prefix(ln), re.I)) for ln in lines
        )
        for kind, labels in _CUE_LABELS.items()
    }
    return "podcast" if count["podcast"] > count["video"] else "video"


def _strip_prefix(line: str) -> str:
    line = _TIMESTAMP.sub("", line.lstrip("-*•# ").strip())
    return _NUMBERING.sub("", line).strip()
