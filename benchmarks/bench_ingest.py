"""Intake speed and memory: zhimei's page path vs trafilatura alone, and its feed path vs feedparser.

    python benchmarks/bench_ingest.py [--quick] [--pages N] [--html-dir DIR]

(a) Pages: ``parse_page`` (decode by zhimei's rules → trafilatura → clean → hash → language →
    Document) vs ``trafilatura.bare_extraction`` with the same options on the same bytes (it
    decodes them itself). Pages are built from the articles in benchmarks/data/news_{zh,en}.jsonl
    inside three site layouts (navigation, sidebars, related links, footer, scripts), in UTF-8,
    GBK with a meta charset and GBK labelled only in the header; ``--html-dir`` adds real saved
    pages (*.html). Prints pages/s of each and ``ingest_ratio=`` (target ≥ 0.8).
(b) Feeds: ``parse_feed`` (decode, entity check, feedparser, plain text) vs ``feedparser.parse``
    alone on 50-item RSS feeds: items/s and ``feed_ratio=``.
(c) Peak memory of (a) over all pages: tracemalloc peak in a separate pass, and the process's
    max RSS.

The two sides of each comparison run interleaved item by item, and each item counts with its best
of the rounds; ratios carry over between machines, absolute figures do not.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA

from zhimei.errors import InputError
from zhimei.sources.feeds import parse_feed
from zhimei.sources.pages import extract_article, parse_page

Page = tuple[bytes, dict[str, str], str]  # body, headers, url

NAV_ZH = ["首页", "国内", "国际", "财经", "科技", "体育", "文化", "评论", "图片", "视频"]
NAV_EN = ["Home", "World", "Business", "Politics", "Tech", "Sport", "Culture", "Opinion", "Video"]


def _articles() -> list[tuple[str, str, str]]:
    """(lang, title, text) for every sample article; the title is the first sentence."""
    out = []
    for lang in ("zh", "en"):
        with (DATA / f"news_{lang}.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line)["text"]
                stop = "。" if lang == "zh" else ". "
                title = text.split(stop, 1)[0][:60]
                out.append((lang, title, text))
    return out


def _links(rng: random.Random, words: Sequence[str], n: int) -> str:
    return "".join(
        f"<li><a href='/n/{rng.randrange(10**6)}'>{rng.choice(words)} {i}</a></li>" for i in range(n)
    )


def _page(rng: random.Random, lang: str, title: str, text: str, layout: int, meta: str) -> str:
    nav = NAV_ZH if lang == "zh" else NAV_EN
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    menu = "".join(f"<a href='/{i}'>{w}</a> " for i, w in enumerate(nav))
    related = _links(rng, nav, 40)
    # What real news pages carry around the article: inline config, styles, tracking, templates.
    config = json.dumps({"ads": [{"slot": f"s{i}", "sizes": [[300, 250], [728, 90]]} for i in range(120)]})
    script = f"<script>window.__CONFIG__={config};function t(){{return 1}}</script>"
    style = "<style>" + "".join(f".c{i}{{margin:{i}px;color:#{i:06x}}}" for i in range(400)) + "</style>"
    date = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    head = (
        f"<!doctype html><html lang='{lang}'><head>{meta}<title>{html.escape(title)} - Newsroom</title>"
        f"<meta name='description' content='{html.escape(title)}'>"
        f"<meta property='article:published_time' content='{date}T08:00:00+08:00'>"
        f"<link rel='stylesheet' href='/s.css'>{style}{script}</head><body>"
    )
    footer = "<footer><p>© 2026 Newsroom · <a href='/about'>About</a> · <a href='/c'>Contact</a></p></footer>"
    if layout == 0:
        body = (
            f"<header><nav>{menu}</nav></header><main><article><h1>{html.escape(title)}</h1>"
            f"<p class='byline'>{date}</p>{paragraphs}</article>"
            f"<aside><h3>Related</h3><ul>{related}</ul></aside></main>{footer}"
        )
    elif layout == 1:
        body = (
            f"<div id='top'><div class='menu'>{menu}</div></div><div class='wrap'><div class='left'>"
            f"<div class='title'><h1>{html.escape(title)}</h1></div><div class='info'>{date} 来源：本报</div>"
            f"<div class='content' id='content'>{paragraphs}</div></div>"
            f"<div class='right'><ul>{related}</ul><ul>{_links(rng, nav, 10)}</ul></div></div>{footer}"
        )
    else:
        cells = "".join(f"<td>{p}</td>" for p in (paragraphs, f"<ul>{related}</ul>"))
        body = (
            f"<table><tr><td colspan=2>{menu}</td></tr><tr>{cells}</tr></table><h2>{html.escape(title)}</h2>"
        )
    return head + body + script + f"<div class='more'><ul>{_links(rng, nav, 60)}</ul></div></body></html>"


def build_pages(n: int, seed: int = 7) -> list[Page]:
    """``n`` pages: sample articles × layouts × encodings (deterministic)."""
    rng = random.Random(seed)
    articles = _articles()
    pages: list[Page] = []
    for i in range(n):
        lang, title, text = articles[i % len(articles)]
        variant = (i // len(articles)) % 3
        url = f"https://news.example/{lang}/{i}.html"
        if lang == "zh" and variant == 1:
            body = _page(rng, lang, title, text, i % 3, '<meta charset="gbk">').encode("gbk", "replace")
            headers = {"content-type": "text/html"}
        elif lang == "zh" and variant == 2:
            body = _page(rng, lang, title, text, i % 3, "").encode("gbk", "replace")
            headers = {"content-type": "text/html; charset=GBK"}
        else:
            body = _page(rng, lang, title, text, i % 3, '<meta charset="utf-8">').encode("utf-8")
            headers = {"content-type": "text/html; charset=utf-8"}
        pages.append((body, headers, url))
    return pages


def saved_pages(folder: Path) -> list[Page]:
    return [(p.read_bytes(), {}, p.as_uri()) for p in sorted(folder.glob("*.html"))]


def compare(
    ours: Callable[[Page], object], theirs: Callable[[Page], object], items: Sequence[Page], rounds: int
) -> tuple[float, float]:
    """Total seconds of each over ``items``: per item, the best of ``rounds`` runs, the two
    sides interleaved item by item (alternating which goes first), so that load from other
    processes on a shared machine hits both alike."""
    best_ours = [float("inf")] * len(items)
    best_theirs = [float("inf")] * len(items)
    for r in range(rounds):
        for i, item in enumerate(items):
            order = ((ours, best_ours), (theirs, best_theirs))
            for run, best in order if (i + r) % 2 == 0 else order[::-1]:
                started = time.perf_counter()
                run(item)
                best[i] = min(best[i], time.perf_counter() - started)
    return sum(best_ours), sum(best_theirs)


def ours_page(page: Page) -> object:
    body, headers, url = page
    try:
        return parse_page(body, url, headers)
    except InputError:  # no article: processed all the same
        return None


def trafilatura_page(page: Page) -> object:
    body, _, url = page
    return extract_article(body, url)


def run_ours(pages: Sequence[Page]) -> int:
    return sum(1 for page in pages if ours_page(page) is not None)


def build_feed(items: int, seed: int) -> bytes:
    rng = random.Random(seed)
    articles = _articles()
    entries = []
    for i in range(items):
        _, title, text = rng.choice(articles)
        body = "".join(f"&lt;p&gt;{html.escape(p)}&lt;/p&gt;" for p in text.split("\n") if p.strip())
        entries.append(
            f"<item><title>{html.escape(title)}</title><link>/a/{i}</link><guid>id-{i}</guid>"
            f"<pubDate>Mon, 23 Nov 2026 {i % 24:02d}:00:00 +0800</pubDate>"
            f"<description>{body}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
        f"<link>https://news.example/</link>{''.join(entries)}</channel></rss>"
    ).encode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="72 pages, 4 feeds, 3 rounds (well under 60 s)")
    ap.add_argument("--pages", type=int, default=216, help="generated pages (default 216)")
    ap.add_argument("--html-dir", type=Path, help="also use the saved pages (*.html) in this folder")
    ap.add_argument("--rounds", type=int, default=None)
    args = ap.parse_args()
    started = time.perf_counter()
    n_pages = 72 if args.quick else args.pages
    rounds = args.rounds or 3
    pages = build_pages(n_pages)
    if args.html_dir:
        pages += saved_pages(args.html_dir)
    size = sum(len(p[0]) for p in pages) / len(pages) / 1024
    print(f"(a) pages: {len(pages)} pages, {size:.1f} KB each on average, best of {rounds} rounds")

    extract_article(b"<html><body><p>warm up</p></body></html>")  # import + first-use costs
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    extracted = run_ours(pages)
    ours, theirs = compare(ours_page, trafilatura_page, pages, rounds)
    print(f"    zhimei parse_page:        pages_per_s={len(pages) / ours:.1f} ({extracted} documents)")
    print(f"    trafilatura alone:        pages_per_s={len(pages) / theirs:.1f}")
    print(f"    ingest_ratio={theirs / ours:.2f}  (zhimei / trafilatura throughput; target >= 0.8)")

    import feedparser

    feeds = [
        (build_feed(50, seed), {}, "https://news.example/rss") for seed in range(4 if args.quick else 12)
    ]
    ours_f, theirs_f = compare(
        lambda feed: parse_feed(feed[0], feed[2]),
        lambda feed: feedparser.parse(io.BytesIO(feed[0])),
        feeds,
        rounds,
    )
    items = 50 * len(feeds)
    print(f"(b) feeds: {len(feeds)} RSS feeds of 50 items")
    print(f"    zhimei parse_feed:        items_per_s={items / ours_f:.0f}")
    print(f"    feedparser alone:         items_per_s={items / theirs_f:.0f}")
    print(f"    feed_ratio={theirs_f / ours_f:.2f}")

    tracemalloc.start()
    run_ours(pages)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"(c) memory over {len(pages)} pages: python heap peak_mib={peak / 2**20:.1f} (tracemalloc; lxml's "
        f"C heap not included); process max_rss_mib={rss:.0f} (+{rss - rss_start:.0f} over the imports)"
    )
    print(f"\nwall time {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
