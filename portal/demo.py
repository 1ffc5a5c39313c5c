"""Shared helpers for the demo data: the seed context and a seeded generator
of Chinese-looking names.

Names are generated from common surname and given-name characters, never copied
from anywhere. Every app's ``seed.py`` draws from ``ctx.rng`` so the demo street
is the same on every run. The steps' order and ``build_street`` are
``config.demo``'s.
"""

import datetime
import random
from dataclasses import dataclass, field

RANDOM_SEED = 20190601
#: Finished months of history the demo street has before the current month
#: (the months the evaluation grades): each one is shaped alike.
HISTORY_MONTHS = 12

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文斌玉萍辉鹏宇浩"
    "欣怡佳琪晨阳梓涵子轩思远晓东海燕春梅立新永福德成荣庆俊雪婷慧颖博凯晶亮飞鑫"
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "177",
    "180",
    "182",
    "186",
    "187",
    "188",
    "189",
)


@dataclass
class SeedContext:
    """What the seed steps share: the generator, output, and what was made.

    One context per street: ``street_index`` 0 is the demo street (Zhangwan,
    the article's figures); streets 1, 2, … are built after it, shaped alike,
    with their own codes, names and logins. ``data`` holds what the steps made
    for this street; ``shared`` what every street's context shares (one
    password hash for all demo logins, say).
    """

    rng: random.Random
    stdout: object
    password: str
    street_index: int = 0
    data: dict = field(default_factory=dict)
    shared: dict = field(default_factory=dict)
    #: Size of the street relative to the demo street (1: the article's
    #: figures exactly; the query-count tests build small streets).
    scale: float = 1.0

    def log(self, message):
        self.stdout.write(message)

    def scaled(self, n, minimum=1):
        """Return ``n`` at this context's scale (exactly ``n`` at scale 1)."""
        if self.scale == 1:
            return n
        return max(minimum, round(n * self.scale))

    @property
    def today(self):
        """The demo's today: ``data["today"]`` when stated, else the local date."""
        from django.utils import timezone

        return self.data.get("today") or timezone.localdate()

    def history_months(self, minimum=3):
        """Return the first days of the demo's finished months, oldest first.

        ``HISTORY_MONTHS`` (at the context's scale, at least ``minimum``)
        months before the current one. Every seed dates its history in these
        months and fills each of them whole, the last one included; only the
        current month is partial, up to today.
        """
        count = self.scaled(HISTORY_MONTHS, minimum)
        current = month_first(self.today)
        return [add_months(current, n - count) for n in range(count)]


def month_first(day):
    """Return the first day of ``day``'s month."""
    return datetime.date(day.year, day.month, 1)


def add_months(month, count):
    """Return the first day of the month ``count`` months after ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def person_name(rng):
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )
