"""The posts every generated blog is built from: written here, so every URL, title, date and excerpt is known.

The pool is deliberately awkward: long titles, Chinese and mixed titles, emoji, quotes and HTML-special characters,
posts with and without an excerpt ("more") marker, code blocks and math, several authors, tags and categories,
times near midnight in several offsets, updated dates on some posts. A site takes the newest N posts of the pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

AUTHORS = ("Lin Wei", "Maya Ortiz", "Sam O'Neill")

CODE_PY = """```python
def window(items, size):
    for start in range(0, len(items) - size + 1):
        yield items[start:start + size]
```"""

CODE_SH = """```sh
sqlite3 archive.db 'PRAGMA page_size; PRAGMA cache_size = -65536;'
```"""

CODE_GO = """```go
func main() {
    ticker := time.NewTicker(30 * time.Second)
    for range ticker.C {
        log.Println("still alive")
    }
}
```"""

MATH = "The update rule is $x_{k+1} = A x_k + B u_k$, and over a whole run\n\n$$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}$$"

FILLER_EN = (
    "I kept a log of every attempt, which turned out to matter more than any single trick. Reading it back a week "
    "later made the pattern obvious: the slow runs all had the same cold start.",
    "None of this is new, but writing it down forces me to be honest about which parts I measured and which parts "
    "I only believed. The measured parts are shorter than I expected.",
    "If you try this at home, start small. One file, one command, one number you can compare tomorrow.",
    "There is a longer version of this story involving a spreadsheet and a very patient colleague, but the short "
    "version is enough for now.",
)
FILLER_ZH = (
    "这件事情说起来简单，做起来却花了我整整两个周末。中间走了不少弯路，也踩了几个坑，下面按时间顺序记录一下。",
    "写下来的好处是以后再遇到同样的问题时，不必从头再查一遍资料。希望对看到这里的你也有一点帮助。",
    "最后补充一句：所有的数字都是在我自己的笔记本电脑上测的，换一台机器结果可能完全不同。",
)


@dataclass(frozen=True)
class Post:
    """One post of the pool, as its author wrote it (Markdown body)."""

    slug: str
    title: str
    date: datetime  # aware: the offset the author wrote
    lead: str  # the first paragraph, plain text with at most simple inline Markdown
    more: bool  # whether the author put an excerpt ("more") marker after the lead
    body: tuple[str, ...]  # further Markdown blocks
    tags: tuple[str, ...] = ()
    category: str | None = None
    author: str = AUTHORS[0]
    updated: datetime | None = None
    lang: str = "en"
    summary: str | None = None  # an explicit summary/description in the front matter (some posts)

    @property
    def lead_text(self) -> str:
        """The lead as a reader sees it (the inline Markdown the pool uses removed)."""
        return plain(self.lead)


def plain(markdown: str) -> str:
    """Text of the inline Markdown the pool uses: **bold**, *em*, `code`, [text](url)."""
    import re

    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"(?<![*\w])\*([^*]+)\*", r"\1", text)
    return text.replace("`", "")


def tz(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


CST, EST, UTC, CET, PST = tz(8), tz(-5), tz(0), tz(1), tz(-8)

# (slug, title, date, lead, more, extra blocks, tags, category, author index, updated, lang, summary)
_RAW: list[tuple] = [
    ("midnight-deploys", "Midnight deploys and the date line", datetime(2024, 6, 14, 23, 30, tzinfo=CST),
     "We shipped at half past eleven in Shanghai, which was still the afternoon in London and the morning in "
     "Chicago. Which day did the release happen on?", True, ("ops",), ("time", "ops"), "Engineering", 0,
     datetime(2024, 6, 20, 9, 0, tzinfo=CST), "en", None),
    ("just-after-midnight", "Just after midnight in New York", datetime(2024, 6, 1, 0, 30, tzinfo=EST),
     "Half an hour into the first of June on the east coast, the servers in Frankfurt had long since had breakfast. "
     "A short note on logging in local time.", False, ("short",), ("time",), "Engineering", 1, None, "en", None),
    ("why-static", "为什么我把博客从 WordPress 迁到静态站点", datetime(2024, 5, 18, 21, 5, tzinfo=CST),
     "用了八年 WordPress 之后，我终于把博客迁到了静态站点生成器上。主要原因有三个：速度、备份，还有安心。", True,
     ("zh", "code"), ("博客", "静态站点"), "随笔", 0, None, "zh", None),
    ("sqlite-page-cache",
     "Tuning SQLite's page cache for a read-heavy archive — notes from three weeks of benchmarks and one "
     "embarrassing mistake", datetime(2024, 5, 2, 8, 15, tzinfo=UTC),
     "The archive reads far more than it writes, so the page cache is where the time goes. Here is what three weeks "
     "of measurements taught me, including the week I measured the wrong database.", True, ("sh", "long"),
     ("sqlite", "performance"), "Engineering", 2, datetime(2024, 5, 9, 10, 0, tzinfo=UTC), "en", None),
    ("shipping-1-0", "🚀 Shipping the 1.0 release", datetime(2024, 4, 20, 16, 0, tzinfo=CET),
     "After two years of 0.x versions the tool finally has a 1.0. 🎉 Nothing dramatic changed on release day, which "
     "is exactly how it should be.", True, ("short",), ("release",), "News", 1, None, "en",
     "Two years of 0.x, then a quiet 1.0 release day."),
    ("why-not-cron", 'Q&A: "Why not just use cron?"', datetime(2024, 4, 3, 12, 40, tzinfo=EST),
     'Every time I show the scheduler someone asks "why not just use cron?" & it is a fair question. Cron is great; '
     "it just does not know when the last run failed.", False, ("ops", "code"), ("scheduling", "qa"), "Engineering",
     2, None, "en", None),
    ("html-escapes", "<template> tags, <slot> and other things HTML escapes", datetime(2024, 3, 16, 10, 10, tzinfo=UTC),
     "Writing about HTML in HTML means escaping your own examples: a <div> in a title, an & in a sentence, and "
     "quotes that are \"straight\" or 'single'.", True, ("long",), ("html", "web"), "Web", 0, None, "en", None),
    ("rust-python-ffi", "Rust 与 Python 的 FFI 实践笔记", datetime(2024, 3, 1, 0, 15, tzinfo=CST),
     "最近在项目里用 Rust 写了一个 Python 扩展，记录一下 PyO3 的用法和几个容易出错的地方。", True, ("zh", "code"),
     ("rust", "python"), "编程", 0, datetime(2024, 3, 8, 22, 0, tzinfo=CST), "zh", None),
    ("ab-testing-1", "A/B testing without a framework (part 1)", datetime(2024, 2, 10, 9, 0, tzinfo=PST),
     "You do not need a platform to run a fair experiment. You need a stable way to split users, a metric you "
     "trust, and the patience to wait.", True, ("math",), ("statistics",), "Data", 1, None, "en", None),
    ("ab-testing-2", "Part 2: A/B testing without a framework", datetime(2024, 1, 27, 9, 0, tzinfo=PST),
     "Part one split the users; this part counts them. The arithmetic is simple, the mistakes are not.", True,
     ("math", "code"), ("statistics",), "Data", 1, None, "en", None),
    ("csapp-notes", "读书笔记：《深入理解计算机系统》第三章", datetime(2024, 1, 6, 20, 30, tzinfo=CST),
     "第三章讲程序的机器级表示。这一章我读了三遍，每一遍都有新的收获，这里整理一下要点。", False, ("zh",),
     ("读书", "计算机"), "读书", 0, None, "zh", None),
    ("coverage-not-goal", "Why 100% test coverage isn't the goal", datetime(2023, 12, 22, 18, 45, tzinfo=UTC),
     "Coverage tells you which lines ran, not whether anything checked them. A test suite at 100% can still miss "
     "the bug that pages you at night.", True, ("code",), ("testing",), "Engineering", 2, None, "en", None),
    ("emoji-urls", "Emoji in URLs 🤔 — a short investigation", datetime(2023, 12, 9, 11, 11, tzinfo=UTC),
     "Can a URL contain 🤔? Technically yes, after percent-encoding. Practically, every tool in the chain has an "
     "opinion about it.", False, ("short",), ("web", "unicode"), "Web", 1, None, "en", None),
    ("moving-house", "Moving house (and servers)", datetime(2023, 11, 25, 14, 0, tzinfo=CET),
     "We moved flats in November, and the little server in the hallway cupboard moved with us. It was offline for "
     "exactly one evening.", True, (), ("life", "homelab"), "Life", 1, None, "en", None),
    ("weeknotes-12", "Weeknotes #12: bread, backups & a broken fan", datetime(2023, 11, 11, 22, 0, tzinfo=CET),
     "Sourdough attempt number four, a restore test that actually restored, and a laptop fan that sounds like a "
     "small aircraft.", True, ("short",), ("weeknotes",), "Life", 0, None, "en", None),
    ("hangzhou-ride", "周末在杭州骑行 🚲", datetime(2023, 10, 28, 7, 20, tzinfo=CST),
     "周六一早沿着西湖骑了一圈，又顺着钱塘江往下游骑了二十公里。天气很好，人也不多。", True, ("zh",), ("生活", "骑行"),
     "生活", 0, None, "zh", None),
    ("cpython-dict", "What I learned from reading the CPython dict implementation",
     datetime(2023, 10, 14, 15, 30, tzinfo=UTC),
     "The dict in CPython is one of the most tuned pieces of C I have read. Compact arrays, a clever probe "
     "sequence, and comments that explain the why.", True, ("code", "long"), ("python", "internals"),
     "Engineering", 2, None, "en", None),
    ("jq-one-liners", "Small tools: jq one-liners I actually use", datetime(2023, 9, 30, 9, 45, tzinfo=EST),
     "Most of my jq use is the same five filters. Here they are, with the shell history that taught me each one.",
     False, ("sh",), ("tools", "cli"), "Tools", 1, None, "en", None),
    ("cpp-sfinae", "C++ templates: SFINAE, concepts, and me", datetime(2023, 9, 16, 19, 0, tzinfo=CET),
     "Substitution failure is not an error, and for ten years that sentence was my whole understanding of it. "
     "Concepts finally made the idea readable.", True, ("code",), ("c++",), "Engineering", 2, None, "en", None),
    ("review-2023", "2023 年度总结", datetime(2023, 9, 2, 23, 50, tzinfo=CST),
     "提前写年度总结有点奇怪，但九月正好是我的一年的开始：换了工作，搬了家，也开始认真写博客。", False, ("zh",),
     ("总结",), "随笔", 0, None, "zh", None),
    ("plain-text-notes", "Ten years of plain-text notes", datetime(2023, 8, 19, 8, 0, tzinfo=UTC),
     "I have kept notes in plain text files since 2013. The format never changed; the tools around it changed "
     "four times.", True, (), ("notes", "tools"), "Tools", 0, datetime(2023, 9, 1, 8, 0, tzinfo=UTC), "en",
     "A decade of notes in .txt files, and what stayed the same."),
    ("go-memory-leak", "Debugging a memory leak in a long-running Go service", datetime(2023, 8, 5, 13, 25, tzinfo=EST),
     "The service grew by 40 MB a day and restarted every Sunday. The leak was a ticker nobody stopped.", True,
     ("go", "long"), ("go", "debugging"), "Engineering", 2, None, "en", None),
    ("naming-things", "On naming things...", datetime(2023, 7, 22, 10, 0, tzinfo=CET),
     "There are two hard problems in computer science, and I keep losing arguments about the second one.", False,
     ("short",), ("style",), "Engineering", 1, None, "en", None),
    ("annee-nouvelle", "Année nouvelle, café noir — thoughts with French accents",
     datetime(2023, 7, 8, 6, 30, tzinfo=CET),
     "Un café noir, a new notebook, and a list of things I will probably not finish. Déjà vu every July.", True,
     (), ("life",), "Life", 1, None, "en", None),
    ("pi-reboots", "Why my Raspberry Pi kept rebooting at 3 a.m.", datetime(2023, 6, 24, 3, 5, tzinfo=CET),
     "Every night at 3:02 the Pi in the cupboard rebooted. Not a cron job, not an update: the power supply.", True,
     ("sh",), ("homelab", "debugging"), "Tools", 2, None, "en", None),
    ("makefile-projects", "用 Makefile 管理个人项目", datetime(2023, 6, 10, 12, 0, tzinfo=CST),
     "Makefile 很老，但对个人项目来说它依然是最顺手的任务管理工具。本文分享我的模板。", True, ("zh", "sh"),
     ("工具", "make"), "编程", 0, None, "zh", None),
    ("data-is-are", "Is it 'data is' or 'data are'? A style-guide detour", datetime(2023, 5, 27, 17, 40, tzinfo=UTC),
     "Our style guide said 'data are'. Our code reviews said 'data is'. A short history of a long argument.", False,
     (), ("writing", "style"), "Writing", 1, None, "en", None),
    ("postgres-vs-sqlite", "Postgres vs. SQLite for a hobby project", datetime(2023, 5, 13, 9, 0, tzinfo=EST),
     "For a hobby project with one user, SQLite wins on almost every axis I care about. Almost.", True,
     ("sh", "code"), ("sqlite", "postgres"), "Engineering", 2, None, "en", None),
    ("boring-technology", "The joy of boring technology", datetime(2023, 4, 29, 20, 0, tzinfo=UTC),
     "Boring technology is technology whose failure modes you already know. That is a feature.", True, (),
     ("opinion",), "Writing", 0, None, "en", None),
    ("git-worktrees", "Git worktrees: one repo, many checkouts", datetime(2023, 4, 15, 11, 30, tzinfo=CET),
     "I used to keep three clones of the same repository. Then I found `git worktree`, and the clones went away.",
     True, ("sh",), ("git", "tools"), "Tools", 2, None, "en", None),
    ("nihongo", "日本語のタイトルも少しだけ", datetime(2023, 4, 1, 9, 0, tzinfo=tz(9)),
     "日本語で短い記事を書いてみました。中国語と同じ漢字でも、読み方と意味が違うことがあります。", False, ("zh",),
     ("日本語",), "随笔", 0, None, "ja", None),
    ("bayesian-updating", "A gentle introduction to Bayesian updating", datetime(2023, 3, 18, 16, 20, tzinfo=UTC),
     "Start with a belief, look at the evidence, end with a slightly different belief. That is the whole idea; "
     "the rest is bookkeeping.", True, ("math",), ("statistics", "math"), "Data", 1, None, "en", None),
    ("keyboard-shortcuts", "Keyboard shortcuts I can't live without ⌨️", datetime(2023, 3, 4, 8, 10, tzinfo=PST),
     "Twelve shortcuts, sorted by how often my hands reach for them without asking me first.", False, ("short",),
     ("tools",), "Tools", 1, None, "en", None),
    ("reading-spring", "Reading list: spring", datetime(2023, 2, 18, 10, 0, tzinfo=UTC),
     "Four books, two of them finished. The unfinished ones are the better recommendations.", True, (),
     ("books",), "Reading", 0, None, "en", None),
    ("reading-summer", "Reading list: summer", datetime(2023, 2, 4, 10, 0, tzinfo=UTC),
     "Planning the summer list in February is optimistic. Here it is anyway, with short reasons for each book.",
     True, (), ("books",), "Reading", 0, None, "en", None),
    ("markdown-parser-1", "从零实现一个 Markdown 解析器（上）", datetime(2023, 1, 21, 22, 10, tzinfo=CST),
     "这个系列记录我用 Python 从零写一个 Markdown 解析器的过程。上篇讲块级元素的切分。", True, ("zh", "code"),
     ("python", "markdown"), "编程", 0, None, "zh", None),
    ("markdown-parser-2", "从零实现一个 Markdown 解析器（下）", datetime(2023, 1, 7, 22, 10, tzinfo=CST),
     "下篇讲行内元素：强调、链接、代码，以及它们之间令人头疼的优先级问题。", True, ("zh", "code"),
     ("python", "markdown"), "编程", 0, datetime(2023, 1, 15, 10, 0, tzinfo=CST), "zh", None),
    ("cache-lies", "When the cache lies: HTTP 304 and stale ETags", datetime(2022, 12, 24, 14, 0, tzinfo=UTC),
     "A 304 means the server thinks you already have the right bytes. Sometimes the server is wrong.", True,
     ("sh", "long"), ("http", "web"), "Web", 2, None, "en", None),
    ("mojibake", "Fixing mojibake: UTF-8, GBK & Latin-1 walk into a bar", datetime(2022, 12, 10, 9, 30, tzinfo=CST),
     "The bartender says: \u00e2\u20ac\u0153what can I get you?\u00e2\u20ac\u009d. That is mojibake, and here is "
     "how to undo it.", True, ("code",), ("unicode", "encoding"), "Engineering", 2, None, "en", None),
    ("harbour-walk", "Sunday walk: photos from the harbour", datetime(2022, 11, 27, 15, 0, tzinfo=CET),
     "No photos made it into this post after all, only the notes I wrote while walking. The light was good.", False,
     (), ("life", "walks"), "Life", 1, None, "en", None),
    ("backup-policy", "Drafting a personal backup policy (3-2-1, revisited)", datetime(2022, 11, 12, 12, 0, tzinfo=UTC),
     "Three copies, two media, one off site. The rule is simple; my actual setup was not, until this autumn.", True,
     ("sh",), ("backups", "homelab"), "Tools", 2, None, "en", None),
    ("million-rows", "Numbers: 1,000,000 rows in 4.2 s", datetime(2022, 10, 29, 10, 0, tzinfo=UTC),
     "Inserting a million rows into SQLite took 4.2 seconds once I stopped committing after every row.", True,
     ("sh", "code"), ("sqlite", "performance"), "Engineering", 2, None, "en", None),
    ("rss-2024", "Why I still write RSS feeds", datetime(2022, 10, 15, 19, 30, tzinfo=EST),
     "RSS never went away; it just stopped being fashionable. My reader still shows me everything, in order.", True,
     (), ("web", "rss"), "Web", 0, None, "en", None),
    ("smart-quotes", 'The "smart quotes" problem', datetime(2022, 10, 1, 8, 0, tzinfo=UTC),
     "Type a straight quote, get a curly one. Paste it into a terminal, get an error. A field guide to quote marks.",
     False, ("code",), ("typography",), "Writing", 1, None, "en", None),
    ("regression-by-hand", "Linear regression by hand, then by NumPy", datetime(2022, 9, 17, 13, 0, tzinfo=UTC),
     "Fitting a line is the hello world of statistics. Doing it once by hand makes the library call less magic.",
     True, ("math", "code"), ("statistics", "python"), "Data", 1, None, "en", None),
    ("tmux-config", "终端里的小确幸：tmux 配置分享", datetime(2022, 9, 3, 21, 0, tzinfo=CST),
     "用了五年 tmux，配置文件越来越短。分享一下我现在的配置，以及每一行的理由。", True, ("zh", "sh"), ("工具", "终端"),
     "工具", 0, None, "zh", None),
    ("migrating-links", "Migrating a blog without breaking links", datetime(2022, 8, 20, 10, 0, tzinfo=UTC),
     "Every URL you ever published is a promise. Here is how I kept mine while changing generators.", True,
     ("sh",), ("web", "blogging"), "Web", 0, None, "en", None),
    ("python-package-checklist", "A checklist for publishing a Python package", datetime(2022, 8, 6, 9, 0, tzinfo=CET),
     "Version, changelog, build, check, upload, tag. Writing the list down stopped me forgetting step five.", False,
     ("code",), ("python", "packaging"), "Engineering", 2, None, "en", None),
    ("touch-typing", "Learning to touch-type at 35", datetime(2022, 7, 23, 7, 0, tzinfo=UTC),
     "Six weeks of twenty minutes a day. My speed dropped by half, then doubled.", True, (), ("learning",), "Life",
     1, None, "en", None),
    ("running-100-days", "100 days of running 🏃", datetime(2022, 7, 9, 6, 0, tzinfo=CET),
     "One hundred days, six hundred kilometres, two pairs of shoes and no injuries. Mostly slow.", True, (),
     ("running", "life"), "Life", 1, None, "en", None),
    ("async-python", "Async Python: when not to use it", datetime(2022, 6, 25, 11, 0, tzinfo=UTC),
     "Async shines when you wait on many sockets. For everything else it is a second colour for your functions.",
     True, ("code", "long"), ("python", "async"), "Engineering", 2, None, "en", None),
    ("time-zones", "Things I got wrong about time zones", datetime(2022, 6, 11, 23, 45, tzinfo=EST),
     "A day is not always 24 hours, an offset is not a zone, and midnight does not always exist.", True, ("code",),
     ("time",), "Engineering", 2, None, "en", None),
    ("dumplings", "Homemade dumplings (饺子) recipe", datetime(2022, 5, 28, 18, 0, tzinfo=CST),
     "Flour, water, cabbage, pork and a free afternoon. The folding is easier than it looks.", True, (),
     ("food",), "Life", 0, None, "en", None),
    ("static-typing-team", "Static typing in a dynamic team", datetime(2022, 5, 14, 10, 0, tzinfo=UTC),
     "We added type hints to a 60,000-line codebase one module at a time. Nobody had to stop shipping.", True,
     ("code",), ("python", "typing"), "Engineering", 2, None, "en", None),
    ("py-spy", "Profiling with py-spy and flame graphs", datetime(2022, 4, 30, 15, 0, tzinfo=UTC),
     "py-spy attaches to a running process without restarting it, which is exactly what you want at 2 a.m.", True,
     ("sh",), ("python", "performance"), "Tools", 2, None, "en", None),
    ("draft-to-published", "[Draft → Published] How this post got its title", datetime(2022, 4, 16, 12, 0, tzinfo=UTC),
     "This post was called 'untitled-3' for a month. The title it has now was the fifth attempt.", False, (),
     ("writing",), "Writing", 1, None, "en", None),
    ("short-post", "Short post", datetime(2022, 4, 2, 9, 0, tzinfo=UTC),
     "Just a short post to say the feed works again.", False, (), (), None, 0, None, "en", None),
    ("hello-world", "Hello, world: starting a notebook again", datetime(2022, 3, 19, 10, 0, tzinfo=UTC),
     "This is the first post of a new notebook. Expect notes on tools, data, and the occasional recipe.", False, (),
     ("meta",), "News", 0, None, "en", None),
]


def _blocks(kinds: tuple[str, ...], index: int, lang: str) -> tuple[str, ...]:
    """The post's further blocks: filler prose plus the code/math/heading its kinds ask for."""
    filler = FILLER_ZH if lang in ("zh", "ja") else FILLER_EN
    blocks = [filler[index % len(filler)]]
    if "long" in kinds:
        blocks += ["## Background" if lang == "en" else "## 背景", filler[(index + 1) % len(filler)]]
    if "code" in kinds:
        blocks.append(CODE_PY)
    if "sh" in kinds:
        blocks.append(CODE_SH)
    if "go" in kinds:
        blocks.append(CODE_GO)
    if "math" in kinds:
        blocks.append(MATH)
    if "short" not in kinds:
        blocks.append(filler[(index + 2) % len(filler)])
    return tuple(blocks)


def pool() -> list[Post]:
    """Every post, newest first."""
    posts = []
    for index, raw in enumerate(_RAW):
        slug, title, date, lead, more, kinds, tags, category, author, updated, lang, summary = raw
        posts.append(Post(slug=slug, title=title, date=date, lead=lead, more=more, body=_blocks(kinds, index, lang),
                          tags=tuple(tags), category=category, author=AUTHORS[author], updated=updated, lang=lang,
                          summary=summary))
    posts.sort(key=lambda p: p.date, reverse=True)
    return posts


def newest(count: int, *, skip: int = 0) -> list[Post]:
    """The newest `count` posts of the pool (after skipping the newest `skip`)."""
    return pool()[skip:skip + count]
