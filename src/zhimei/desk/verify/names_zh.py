"""Names in Chinese: persons, places and organisations from jieba's tokens and tags.

jieba (the ``desk`` extra) tags persons ``nr`` (also ``nrt``, ``nrfg``), places ``ns`` and
organisations ``nt``. Its dictionary also tags many common words so (城市 ns, 养老 nr) and it
splits many names, so its output is corrected:

* a person must start with a common surname (single or compound) and be 2-4 characters long;
  a surname tagged ``nr`` and the 1-2 characters after it are joined (朱/红梅, 赵/立新), as are a
  surname and a two-character ``nr`` token (马/俊杰);
* a place or organisation must be at least 2 characters and not one of the common words jieba
  mis-tags (:data:`NOT_PLACES`); a place name glued to a preposition loses it (从永宁 → 永宁) and
  takes the administrative suffix after it (永宁 + 市政府 → 永宁市);
* an organisation also ends in a suffix token or a 3+ character word ending in one (局, 部, 委,
  署, 厅, 院, 办, 委员会 …: 国家/能源/局, 水利部), with up to three noun tokens before it.

Known misses: a name whose given name is itself a common word and that jieba does not tag as a
person (高/建军, 黄/文静 after a non-name tag): joining every surname-like character with the
next word would flag far more common words than names.

A name is grounded when it occurs verbatim in a source, so a surname alone (张 for 张伟) and any
part of a source name are grounded. A person token that is a source person's surname followed by
a function character (张将, jieba's split of 张/将) or by an honorific or 某 (张先生, 张某) is
grounded too. Names in another script (习近平 vs Xi Jinping) are out of scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from zhimei.desk.verify.findings import word_set
from zhimei.errors import ExtraMissingError

__all__ = [
    "NOT_PLACES",
    "SURNAMES",
    "ZhName",
    "chinese_names",
    "source_surnames",
    "surname_of",
    "surname_reference",
]


SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阎"
)
_COMPOUND_SURNAMES = word_set(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 端木 独孤"
)
NOT_PLACES = word_set(
    "城市 城镇 城区 市区 郊区 农村 乡村 山区 沿海 内地 国内 海外 全国 各地 当地 本地 "
    "外地 上市 新建 台风 深度 惠及 馆内 海湾 高峰 中国人 东西 南北 中部 西部 东部 北部 "
    "南部 中西部 东南 西南 东北 西北 吉瓦 万剂 力争 普通 华人 美元 欧元 日元 港元 韩元 "
    "中心 新区 老区 园区 社区 小区 景区 街道 市场 前三季度 上半年 下半年 联合 和平 发展 中华"
)
_FOLLOWERS = frozenset("将说称也还就在对和与等曾又已即便则并都才被把向从于是为的了着过时要会能亦均")
_HONORIFICS = word_set(
    "某 先生 女士 老师 教授 医生 总 董 书记 主任 局长 市长 县长 省长 部长 院长 校长 经理 警官 "
    "主席 委员 法官 队长 教练"
)
_TAGS = {"nr": "person", "nrt": "person", "nrfg": "person", "ns": "place", "nt": "organisation"}


@dataclass(frozen=True, slots=True)
class ZhName:
    """A Chinese name found in a text."""

    start: int
    end: int
    text: str
    category: str


def surname_of(name: str) -> str | None:
    """The surname ``name`` starts with (compound first), or None."""
    if name[:2] in _COMPOUND_SURNAMES:
        return name[:2]
    return name[0] if name and name[0] in SURNAMES else None


def _posseg(text: str) -> list[tuple[str, str]]:
    try:
        import jieba
        import jieba.posseg
    except ImportError as exc:
        raise ExtraMissingError("jieba", "desk") from exc
    jieba.setLogLevel(60)
    return [(p.word, p.flag) for p in jieba.posseg.dt.cut(text)]


_PREPOSITIONS = frozenset("从在据于赴到至向对自经")
_PLACE_SUFFIXES = "市县省区镇乡州"
_GIVEN_TAGS = word_set("nr nrfg nrt n a an ad d ns nz ng ag vn b i z zg s v l j")
_ORG_SUFFIXES = word_set("局 部 委 署 厅 办 院 处 委员会 管委会 研究院 研究所 办公室 办公厅 指挥部")
_ORG_COMMON = frozenset(["俱乐部", "司令部", "办事处", "电影院", "大剧院", "怎么办"])
_ORG_PART_TAGS = word_set("n nt ns nz an a l vn j b ng")
_ORG_STOP = word_set("全省 全市 全县 全区 全国 该 本 各 我 今年 去年 目前 当地 有关 相关")


@dataclass(frozen=True, slots=True)
class _Token:
    word: str
    tag: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    out = []
    pos = 0
    for word, tag in _posseg(text):
        start = text.find(word, pos)
        if start < 0:  # jieba never rewrites text, but never trust offsets blindly
            continue
        pos = start + len(word)
        out.append(_Token(word, tag, start, pos))
    return out


def _han(word: str) -> bool:
    return bool(word) and all("\u3400" <= ch <= "\u9fff" for ch in word)


def _person_merge(tok: _Token, nxt: _Token | None) -> bool:
    """jieba splits names whose given name is a word (朱/红梅, 赵/立新, 马/俊杰): join them back."""
    if nxt is None or len(tok.word) != 1 or tok.word not in SURNAMES or nxt.start != tok.end:
        return False
    if not _han(nxt.word) or not 1 <= len(nxt.word) <= 2 or nxt.tag not in _GIVEN_TAGS:
        return False
    return tok.tag == "nr" or (nxt.tag in ("nr", "nrfg", "nrt") and len(nxt.word) == 2)


def _org_end(tok: _Token) -> bool:
    """A token that ends an organisation: a bare suffix (局, 委 …) or a word ending in one (水利部)."""
    if tok.word in _ORG_SUFFIXES:
        return True
    return (
        len(tok.word) >= 3
        and tok.tag in ("n", "nt", "nz", "j")
        and _han(tok.word)
        and (tok.word[-1] in "部局委署厅院办" or tok.word.endswith(("委员会", "研究所", "办公室")))
        and tok.word not in _ORG_COMMON
    )


def _scan(toks: list[_Token]) -> Iterator[ZhName]:
    i = 0
    last_end = 0
    while i < len(toks):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        word, start = tok.word, tok.start
        # 从永宁 (nr) 市政府: a place name jieba glued to its preposition, and its suffix.
        if tok.tag in ("nr", "ns", "nrt") and len(word) == 3 and word[0] in _PREPOSITIONS:
            word, start = word[1:], start + 1
        if (
            tok.tag in ("nr", "ns", "nrt", "nz")
            and 2 <= len(word) <= 3
            and _han(word)
            and nxt is not None
            and nxt.start == tok.end
            and nxt.word[0] in _PLACE_SUFFIXES
            and word[-1] not in _PLACE_SUFFIXES
        ):
            yield ZhName(start, nxt.start + 1, word + nxt.word[0], "place")
            last_end = nxt.start + 1
            i += 2 if len(nxt.word) == 1 else 1
            continue
        if _person_merge(tok, nxt):
            assert nxt is not None
            yield ZhName(tok.start, nxt.end, tok.word + nxt.word, "person")
            last_end = nxt.end
            i += 2
            continue
        if _org_end(tok) and (i > 0 or tok.word not in _ORG_SUFFIXES):
            j = i
            while (
                j > 0
                and i - j < 3
                and toks[j - 1].end == toks[j].start
                and toks[j - 1].start >= last_end
                and toks[j - 1].tag in _ORG_PART_TAGS
                and toks[j - 1].word not in _ORG_STOP
                and _han(toks[j - 1].word)
            ):
                j -= 1
            if j < i or tok.word not in _ORG_SUFFIXES:
                yield ZhName(toks[j].start, tok.end, "".join(t.word for t in toks[j : i + 1]), "organisation")
                last_end = tok.end
                i += 1
                continue
        category = _TAGS.get(tok.tag)
        if category is not None and _han(tok.word):
            keep = (
                2 <= len(tok.word) <= 4 and surname_of(tok.word) is not None
                if category == "person"
                else len(tok.word) >= 2 and tok.word not in NOT_PLACES
            )
            if keep:
                yield ZhName(tok.start, tok.end, tok.word, category)
                last_end = tok.end
        i += 1


@lru_cache(maxsize=64)
def _tagged(text: str) -> tuple[ZhName, ...]:
    return tuple(_scan(_tokens(text)))


def chinese_names(text: str) -> list[ZhName]:
    """Persons, places and organisations of ``text`` (rules in the module docstring), in text order."""
    return list(_tagged(text))


def source_surnames(sources: tuple[str, ...]) -> frozenset[str]:
    """Surnames of the persons named in ``sources``."""
    found = set()
    for text in sources:
        for name in _tagged(text):
            if name.category == "person":
                s = surname_of(name.text)
                if s:
                    found.add(s)
    return frozenset(found)


def surname_reference(name: str, surnames: frozenset[str]) -> bool:
    """Whether ``name`` is a known surname plus a function character or an honorific (张将, 张某, 张先生)."""
    s = surname_of(name)
    if s is None or s not in surnames:
        return False
    rest = name[len(s) :]
    return (len(rest) == 1 and rest in _FOLLOWERS) or rest in _HONORIFICS
