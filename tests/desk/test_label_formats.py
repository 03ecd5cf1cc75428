"""Golden tests per text format: both labels present and well-formed, hostile editor names inert."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import yaml
from markdown_it import MarkdownIt

from zhimei.desk.labels import make_label
from zhimei.desk.labels.text import (
    AIGC_NS,
    apply_to_docx,
    apply_to_markdown,
    apply_to_plain,
    apply_to_rss_entry,
    escape_markdown,
    explicit_html,
    html_document,
    html_head,
    jsonld,
    meta_tag,
)
from zhimei.errors import InputError
from zhimei.records import Label

HOSTILE = "张\"伟' </script><script>alert(1)</script> & <b>x</b> [a](javascript:x) {editor} ]]>"
AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def make(position: str = "bottom", editor: str = HOSTILE, lang: str = "zh") -> Label:
    return make_label(
        lang=lang,  # type: ignore[arg-type]
        producer="智媒新闻 <Newsroom> & 'Co'",
        produce_id="draft-1",
        human_edit_ratio=0.35,
        reviewed_by=editor,
        reviewed_at=AT,
        position=position,  # type: ignore[arg-type]
        content="正文",
    )


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.metas: list[dict[str, str | None]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.texts: list[str] = []
        self._script: dict[str, str | None] | None = None
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "meta":
            self.metas.append(dict(attrs))
        if tag == "script":
            self._script = dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))
        else:
            self.texts.append(data)


def parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    p.close()
    return p


def test_editor_name_reaches_the_label_verbatim() -> None:
    lab = make()
    assert lab.reviewed_by == HOSTILE and HOSTILE in lab.explicit_text


@pytest.mark.parametrize("position", ["top", "bottom"])
def test_plain(position: str) -> None:
    out = apply_to_plain("\n正文第一段。\n\n第二段。\n", make(position))
    lines = out.strip("\n").split("\n\n")
    assert lines[0 if position == "top" else -1] == make(position).explicit_text
    assert "正文第一段。" in out and out.endswith("\n")


def test_html_meta_round_trips_and_cannot_break_out() -> None:
    lab = make()
    tag = meta_tag(lab)
    assert tag.startswith('<meta name="AIGC" content=\'') and tag.endswith("'>")
    assert "<script" not in tag and "'" not in tag[len('<meta name="AIGC" content=\'') : -2]
    (meta,) = parse(tag).metas
    assert meta["name"] == "AIGC"
    assert json.loads(meta["content"] or "") == lab.aigc.fields()


def test_jsonld_round_trips_and_cannot_close_its_script() -> None:
    lab = make()
    head = html_head(lab, headline="标题</script>")
    assert head.count("</script>") == 1 and "<script>alert" not in head
    parsed = parse(head)
    ((attrs, data),) = parsed.scripts
    assert attrs["type"] == "application/ld+json"
    doc = json.loads(data)
    assert doc == jsonld(lab, "标题</script>")
    assert doc["AIGC"] == lab.aigc.fields()
    assert doc["digitalSourceType"].endswith("compositeWithTrainedAlgorithmicMedia")
    assert doc["editor"] == {"@type": "Person", "name": HOSTILE}
    assert doc["reviewedAt"] == "2026-11-20T09:30:00+00:00" and doc["humanEditRatio"] == 0.35
    assert doc["@context"]["AIGC"] == {"@id": f"{AIGC_NS}#AIGC", "@type": "@json"}


def test_explicit_html_is_text_only() -> None:
    out = explicit_html(make())
    parsed = parse(out)
    assert parsed.tags == ["p"] and "".join(parsed.texts) == make().explicit_text


@pytest.mark.parametrize("position", ["top", "bottom"])
def test_html_document_sanitises_the_body(position: str) -> None:
    lab = make(position)
    page = html_document(
        "标题 <i>x</i>", "<p onclick='x()'>正文</p><script>steal()</script><img src=x onerror=y>", lab
    )
    assert "steal()" not in page and "onclick" not in page and "onerror" not in page
    parsed = parse(page)
    assert [m["name"] for m in parsed.metas if m.get("name")] == ["AIGC"]
    assert len(parsed.scripts) == 1  # only the JSON-LD
    body = page[page.index("<article>") : page.index("</article>")]
    label_at, text_at = body.index('class="aigc-label"'), body.index("正文")
    assert (label_at < text_at) == (position == "top")
    assert "<title>标题 &lt;i&gt;x&lt;/i&gt;</title>" in page


def test_markdown_front_matter_parses_and_label_renders_as_text() -> None:
    lab = make()
    out = apply_to_markdown("# 标题\n\n正文。", lab)
    m = re.match(r"---\n(.*?)\n---\n\n(.*)", out, re.DOTALL)
    assert m is not None
    meta = yaml.safe_load(m.group(1))
    assert meta["AIGC"] == lab.aigc.fields()
    assert meta["reviewedBy"] == HOSTILE and meta["aiLabel"] == lab.explicit_text
    assert meta["digitalSourceType"] == lab.digital_source_type and meta["humanEditRatio"] == 0.35
    body = m.group(2)
    assert body.startswith("# 标题") and body.rstrip().endswith(escape_markdown(lab.explicit_text))
    html = MarkdownIt("commonmark").render(body)  # commonmark passes raw HTML: the escapes must hold
    assert "<script>" not in html and "<b>" not in html and "href=" not in html
    assert "alert(1)" in html  # the name is shown, as text


def test_markdown_keeps_existing_front_matter_and_refuses_broken_ones() -> None:
    lab = make(position="top")
    out = apply_to_markdown("---\ntitle: 标题\nAIGC: old\n---\n正文", lab)
    meta = yaml.safe_load(out.split("---\n")[1])
    assert meta["title"] == "标题" and meta["AIGC"] == lab.aigc.fields()
    assert out.split("---\n", 2)[2].lstrip().startswith(escape_markdown(lab.explicit_text))
    with pytest.raises(InputError, match="not valid YAML"):
        apply_to_markdown("---\na: [\n---\n正文", lab)
    with pytest.raises(InputError, match="not a mapping"):
        apply_to_markdown("---\n- a\n---\n正文", lab)


@pytest.mark.parametrize("position", ["top", "bottom"])
def test_docx_properties_and_paragraph(position: str) -> None:
    import docx

    lab = make(position)
    document = docx.Document()
    document.add_paragraph("正文第一段。")
    document.core_properties.keywords = "economy, 统计"
    apply_to_docx(document, lab)
    buf = io.BytesIO()
    document.save(buf)
    again = docx.Document(io.BytesIO(buf.getvalue()))
    texts = [p.text for p in again.paragraphs]
    assert texts[0 if position == "top" else -1] == lab.explicit_text and "正文第一段。" in texts
    core = again.core_properties
    assert core.keywords == "economy, 统计, AIGC" and core.comments == lab.explicit_text
    assert core.content_status == "AI-assisted"
    props = _custom_properties(buf.getvalue())
    assert json.loads(props["AIGC"]) == lab.aigc.fields()
    assert props["ReviewedBy"] == HOSTILE and props["DigitalSourceType"] == lab.digital_source_type
    assert props["HumanEditRatio"] == "0.35" and props["ReviewedAt"] == "2026-11-20T09:30:00+00:00"


def test_docx_keeps_other_custom_properties_and_relabels() -> None:
    import docx

    document = docx.Document()
    apply_to_docx(document, make(editor="甲"))
    buf = io.BytesIO()
    document.save(buf)
    raw = buf.getvalue()
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/custom.xml":
                data = data.replace(b"</Properties>", _extra_property())
            dst.writestr(item, data)
    reopened = docx.Document(io.BytesIO(patched.getvalue()))
    apply_to_docx(reopened, make(editor="乙"))
    out = io.BytesIO()
    reopened.save(out)
    props = _custom_properties(out.getvalue())
    assert props["Department"] == "Economy" and props["ReviewedBy"] == "乙"
    assert sum(1 for k in props if k == "AIGC") == 1


def _extra_property() -> bytes:
    return (
        b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="99" name="Department">'
        b"<vt:lpwstr>Economy</vt:lpwstr></property></Properties>"
    )


def _custom_properties(data: bytes) -> dict[str, str]:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("docProps/custom.xml"))
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("_rels/.rels").decode()
    assert "custom-properties+xml" in types and "relationships/custom-properties" in rels
    names = [p.get("name") for p in root]
    pids = [p.get("pid") for p in root]
    assert len(set(names)) == len(names) and len(set(pids)) == len(pids)
    return {p.get("name"): p[0].text for p in root}


@pytest.mark.parametrize("flavour", ["rss", "atom"])
def test_feed_items(flavour: str) -> None:
    from feedgen.feed import FeedGenerator
    from lxml import etree

    lab = make()
    fg = FeedGenerator()
    fg.id("urn:zhimei:feed")
    fg.title("智媒")
    fg.link(href="https://news.example/", rel="alternate")
    fg.description("feed")
    plain = fg.add_entry()
    plain.id("urn:zhimei:1")
    plain.title("人工稿件")
    plain.description("人工写作")
    entry = fg.add_entry()
    entry.id("urn:zhimei:2")
    entry.title("AI稿件")
    entry.description("<p>正文</p>")
    apply_to_rss_entry(fg, entry, lab)
    xml = fg.rss_str() if flavour == "rss" else fg.atom_str()
    root = etree.fromstring(xml)
    ns = {"aigc": AIGC_NS, "a": "http://www.w3.org/2005/Atom"}
    items = root.findall(".//item") if flavour == "rss" else root.findall(".//a:entry", ns)
    labelled = [i for i in items if i.find("aigc:AIGC", ns) is not None]
    assert len(labelled) == 1
    item = labelled[0]
    assert json.loads(item.findtext("aigc:AIGC", namespaces=ns) or "") == lab.aigc.fields()
    assert item.findtext("aigc:reviewedBy", namespaces=ns) == HOSTILE
    assert item.findtext("aigc:aiLabel", namespaces=ns) == lab.explicit_text
    assert item.findtext("aigc:digitalSourceType", namespaces=ns) == lab.digital_source_type
    if flavour == "rss":
        description = item.findtext("description") or ""
        assert description.startswith("<p>正文</p>") and "<script>" not in description
        assert "&lt;script&gt;" in description  # the name, escaped as HTML text
