"""Shared helpers for the demo data: a seeded generator of Chinese-looking names.

Names are generated from common surname and given-name characters, never copied
from anywhere. Every app's ``seed.py`` draws from ``ctx.rng`` so the demo street
is the same on every run.
"""

import random
from dataclasses import dataclass, field

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

    def log(self, message):
        self.stdout.write(message)


def person_name(rng):
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + "".join(
        str(rng.randrange(10)) for _ in range(8)
    )
