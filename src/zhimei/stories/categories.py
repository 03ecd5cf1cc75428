"""The default topic categories: the 18 of the NLPCC 2017 news headline task, described in zh and en.

A zero-shot classifier embeds the descriptions and compares a text with them, so a category is
only as good as its descriptions: short, concrete phrases of what such news is about, in both
languages. A newsroom can pass its own categories (``Category(label, zh=(…), en=(…))``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_CATEGORIES", "Category"]


@dataclass(frozen=True)
class Category:
    """A topic label with short descriptions in Chinese and English (at least one overall)."""

    label: str
    zh: tuple[str, ...]
    en: tuple[str, ...]

    @property
    def descriptions(self) -> tuple[str, ...]:
        """The zh descriptions, then the en ones."""
        return self.zh + self.en


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category(
        "baby",
        (
            "育儿知识：宝宝喂养、婴儿护理",
            "孕妇怀孕期间的注意事项",
            "孩子的早期教育和亲子关系",
            "妈妈带娃经验",
        ),
        (
            "parenting tips for feeding and caring for babies",
            "pregnancy and expecting mothers",
            "raising toddlers and young children",
        ),
    ),
    Category(
        "car",
        ("汽车新车上市和车型评测", "SUV、轿车的价格、油耗和配置", "开车驾驶技巧和汽车保养", "车市销量"),
        (
            "new car models, test drives and reviews",
            "SUV and sedan prices, fuel economy and features",
            "driving tips and car maintenance",
        ),
    ),
    Category(
        "discovery",
        (
            "科学家发现宇宙和自然的奥秘",
            "外星人、UFO与未解之谜",
            "动物世界和神奇的自然现象",
            "考古发现与科学探索",
        ),
        (
            "scientists discover mysteries of the universe and nature",
            "aliens, UFOs and unsolved mysteries",
            "amazing animals and natural phenomena",
        ),
    ),
    Category(
        "entertainment",
        ("明星八卦和娱乐圈新闻", "电影、电视剧和综艺节目", "歌手、演员的恋情和婚姻", "票房与影视剧"),
        (
            "celebrity gossip and showbiz news",
            "movies, TV dramas and variety shows",
            "actors and singers, their romances and marriages",
        ),
    ),
    Category(
        "essay",
        ("人生感悟美文：关于爱情、友情和成长", "心灵鸡汤、励志语录", "一个人要学会珍惜和放下", "情感散文"),
        (
            "reflective essays on life, love and growing up",
            "inspirational quotes and life lessons",
            "heartfelt prose about feelings and relationships",
        ),
    ),
    Category(
        "fashion",
        ("时尚穿搭和服装搭配", "美容化妆、护肤和发型", "女装、裙子和街拍潮流", "明星红毯造型"),
        (
            "fashion outfits and style tips",
            "beauty, makeup, skincare and hairstyles",
            "dresses, streetwear and runway trends",
        ),
    ),
    Category(
        "finance",
        ("财经新闻：股市、基金和投资理财", "银行、利率和经济数据", "上市公司业绩与房价", "A股大盘走势"),
        (
            "finance news: stock markets, funds and investing",
            "banks, interest rates and economic data",
            "company earnings, property prices and the economy",
        ),
    ),
    Category(
        "food",
        ("美食菜谱和家常菜做法", "好吃的小吃、餐厅和烹饪技巧", "食材营养与饮食", "这道菜怎么做才好吃"),
        (
            "food recipes and home cooking",
            "tasty snacks, restaurants and cooking tips",
            "ingredients, dishes and what to eat",
        ),
    ),
    Category(
        "game",
        ("电子游戏、网络游戏和手游", "英雄联盟、王者荣耀等电竞比赛", "游戏玩家攻略和新游戏发布", "主机游戏"),
        (
            "video games, online games and mobile games",
            "esports tournaments and game players",
            "game guides, consoles and new game releases",
        ),
    ),
    Category(
        "history",
        (
            "中国古代历史和朝代故事",
            "历史人物：皇帝、将军和名臣",
            "三国、秦朝、清朝的历史",
            "古代的文物与历史真相",
        ),
        (
            "ancient Chinese history and dynasties",
            "historical figures: emperors, generals and officials",
            "what really happened in history",
        ),
    ),
    Category(
        "military",
        ("军事新闻：军队、武器装备", "战斗机、航母、导弹和坦克", "国防与战争", "海军陆军演习"),
        (
            "military news: armed forces and weapons",
            "fighter jets, aircraft carriers, missiles and tanks",
            "defence, war and military exercises",
        ),
    ),
    Category(
        "regimen",
        ("养生保健和健康生活", "中医调理、食疗和身体健康", "疾病预防：经常这样做对身体好", "长寿秘诀"),
        (
            "health and wellness tips",
            "traditional Chinese medicine and diet therapy",
            "habits that are good or bad for your body",
        ),
    ),
    Category(
        "society",
        (
            "社会新闻：民生事件和突发事故",
            "警方通报、法院判决和违法犯罪",
            "城市里的男子、女子和老人的遭遇",
            "交通事故",
        ),
        (
            "local news: incidents, accidents and daily life",
            "police reports, court cases and crime",
            "ordinary people's stories in the city",
        ),
    ),
    Category(
        "sports",
        ("体育新闻：足球、篮球比赛", "NBA、中超和奥运会", "运动员夺冠和比赛比分", "球队转会"),
        (
            "sports news: football and basketball matches",
            "NBA, Premier League and the Olympics",
            "athletes, scores, championships and transfers",
        ),
    ),
    Category(
        "story",
        ("故事：民间故事、小说和寓言", "一个感人的故事", "他和她的爱情故事", "鬼故事和奇闻"),
        (
            "a story: folk tales, fiction and fables",
            "a touching story about a person",
            "short stories and strange tales",
        ),
    ),
    Category(
        "tech",
        (
            "科技新闻：互联网公司和智能手机",
            "人工智能、芯片和数码产品",
            "苹果、华为、小米新品发布",
            "APP与软件",
        ),
        (
            "technology news: internet companies and smartphones",
            "artificial intelligence, chips and gadgets",
            "apps, software and new devices",
        ),
    ),
    Category(
        "travel",
        ("旅游攻略和旅行景点", "风景优美的地方，值得一去", "酒店、机票和自由行", "古镇与海岛"),
        (
            "travel guides and tourist attractions",
            "beautiful places worth visiting",
            "hotels, flights and holiday trips",
        ),
    ),
    Category(
        "world",
        ("国际新闻：各国政治和外交关系", "美国、俄罗斯、欧洲和中东局势", "总统、总理和联合国", "外国选举"),
        (
            "world news: international politics and diplomacy",
            "the US, Russia, Europe and the Middle East",
            "presidents, prime ministers and the United Nations",
        ),
    ),
)
