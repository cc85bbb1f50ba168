"""Search at scale: build an archive of generated Chinese and English posts through Archive.save_posts and time
searches through Datasette's JSON API (the posts table's ?_search= and the ranked /-/search.json).

    .venv/bin/python -m benchmarks.bench_search [--posts 200000] [--queries 200] [--db PATH]

Goals (issue 4): index build under 2 minutes for 200,000 posts, search p95 under 100 ms. It also says how much
of the file the search index takes (issue 12: it keeps no copy of the texts).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

from archiver.publish import make_datasette
from archiver.store import Archive

# Invented vocabulary; texts are random sequences of it, so frequencies are roughly Zipf-like by sampling weight.
ZH_WORDS = ["字典", "队列", "垃圾回收", "哈希表", "数据库", "索引", "事务", "缓存", "并发", "线程", "进程", "内存", "指针", "编译器", "解释器", "函数", "闭包", "迭代器", "生成器", "正则表达式", "网络", "协议", "服务器", "客户端", "浏览器", "渲染", "布局", "样式", "脚本", "模块", "依赖", "版本", "分支", "合并", "提交", "仓库", "部署", "容器", "镜像", "日志", "监控", "告警", "性能", "优化", "算法", "排序", "查找", "二分", "递归", "动态规划", "贪心", "图论", "树", "链表", "数组", "栈", "堆", "字符串", "编码", "解码", "文件", "目录", "权限", "用户", "密码", "加密", "签名", "证书", "时间", "时区", "日期", "格式", "测试", "调试", "重构", "设计", "模式", "接口", "抽象", "继承", "多态", "类型", "泛型", "异常", "错误", "重试", "超时", "限流", "负载均衡", "消息", "订阅", "发布", "事件", "回调", "异步", "同步", "锁", "信号量", "条件变量", "读书", "笔记", "生活", "旅行", "周末", "咖啡", "电影", "音乐", "跑步", "健康", "工作", "团队", "会议", "计划", "总结", "思考", "学习", "写作", "博客", "主题", "插件", "配置", "文档", "教程", "入门", "进阶"]
ZH_GLUE = ["的", "了", "是", "在", "和", "与", "就", "也", "都", "把", "用", "对", "从", "到", "会", "能", "要", "很", "更", "最"]
EN_WORDS = ["dictionary", "queue", "garbage", "collector", "collection", "hash", "table", "database", "index", "transaction", "cache", "concurrency", "thread", "process", "memory", "pointer", "compiler", "interpreter", "function", "closure", "iterator", "generator", "regular", "expression", "network", "protocol", "server", "client", "browser", "rendering", "layout", "style", "script", "module", "dependency", "version", "branch", "merge", "commit", "repository", "deploy", "container", "image", "log", "monitoring", "alert", "performance", "optimization", "algorithm", "sorting", "search", "binary", "recursion", "dynamic", "programming", "greedy", "graph", "tree", "linked", "list", "array", "stack", "heap", "string", "encoding", "decoding", "file", "directory", "permission", "user", "password", "encryption", "signature", "certificate", "time", "zone", "date", "format", "testing", "debugging", "refactoring", "design", "pattern", "interface", "abstraction", "inheritance", "type", "generic", "exception", "error", "retry", "timeout", "rate", "limit", "load", "balancer", "message", "subscribe", "publish", "event", "callback", "async", "lock", "semaphore", "reading", "notes", "life", "travel", "weekend", "coffee", "movie", "music", "running", "health", "work", "team", "meeting", "plan", "summary", "thinking", "learning", "writing"]
EN_GLUE = ["the", "a", "of", "to", "in", "and", "is", "it", "that", "for", "with", "as", "on", "was", "this", "by", "we", "you", "are", "be"]
TAGS = ("Python", "Go", "Rust", "数据库", "算法", "网络", "前端", "运维", "读书", "生活", "随笔", "Linux", "SQLite")


# Real text has a long-tailed vocabulary: the list words above plus generated ones, drawn with Zipf weights, so a
# query term matches a realistic share of posts (a few common ones match most, most match few).
HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"


def _zipf_cumulative(size: int) -> list[float]:
    total, cumulative = 0.0, []
    for rank in range(1, size + 1):
        total += 1 / rank
        cumulative.append(total)
    return cumulative


def _vocabulary() -> tuple[list[str], list[str]]:
    rng = random.Random(11)
    zh = list(ZH_WORDS)
    while len(zh) < 6000:
        zh.append("".join(rng.choices(HAN, k=rng.choice((2, 2, 2, 3, 4)))))
    syllables = ["ka", "to", "ri", "men", "sol", "ver", "an", "tic", "lo", "ra", "pel", "dor", "in", "ex", "ul"]
    en = list(EN_WORDS)
    while len(en) < 6000:
        en.append("".join(rng.choices(syllables, k=rng.choice((2, 3, 3, 4)))))
    return list(dict.fromkeys(zh)), list(dict.fromkeys(en))


ZH_VOCABULARY, EN_VOCABULARY = _vocabulary()
ZH_CUMULATIVE, EN_CUMULATIVE = _zipf_cumulative(len(ZH_VOCABULARY)), _zipf_cumulative(len(EN_VOCABULARY))


def zh_text(rng: random.Random, words: int) -> str:
    chosen = rng.choices(ZH_VOCABULARY, cum_weights=ZH_CUMULATIVE, k=words)
    glue = rng.choices(ZH_GLUE, k=words)
    parts = []
    for index, word in enumerate(chosen):
        parts.append(word + (glue[index] if index % 3 else ""))
        if index % 12 == 11:
            parts.append("。")
        elif index % 5 == 4:
            parts.append("，")
    return "".join(parts) + "。"


def en_text(rng: random.Random, words: int) -> str:
    chosen = rng.choices(EN_VOCABULARY, cum_weights=EN_CUMULATIVE, k=words)
    glue = rng.choices(EN_GLUE, k=words)
    mixed = [word if index % 2 else glue[index] for index, word in enumerate(chosen)]
    return " ".join(mixed).capitalize() + "."


def make_posts(rng: random.Random, start: int, count: int, site_ids: list[int]) -> list[dict]:
    posts = []
    for number in range(start, start + count):
        chinese = number % 2 == 0
        body = (
            zh_text(rng, 120) + " " + en_text(rng, 15) if chinese else en_text(rng, 220) + " " + zh_text(rng, 6)
        )
        year = 2010 + number % 15
        posts.append(
            {
                "site_id": site_ids[number % len(site_ids)],
                "url": f"https://bench{number % len(site_ids)}.example.com/posts/{number}/",
                "url_key": f"bench{number % len(site_ids)}.example.com/posts/{number}",
                "title": zh_text(rng, 4) if chinese else en_text(rng, 6),
                "excerpt": body[:80],
                "published": f"{year}-{1 + number % 12:02d}-{1 + number % 28:02d}T10:00:00+08:00",
                "author": f"author{number % 40}",
                "lang": "zh-CN" if chinese else "en",
                "tags": rng.sample(TAGS, 2),
                "categories": [rng.choice(TAGS)],
                "content_html": f"<p>{body}</p>",
                "content_text": body,
                "content_markdown": body,
                "page_status": 200,
            }
        )
    return posts


def build(db_path: Path, total: int, batch: int = 1000, sites: int = 20) -> tuple[float, float, float]:
    """Write `total` posts through Archive.save_posts (which indexes them), a batch at a time as a crawl does.

    Returns (wall seconds, CPU seconds) spent in the archive, and the seconds spent generating the posts (not
    counted: it is the benchmark's own work)."""
    rng = random.Random(4)
    wall = cpu = generating = 0.0
    with Archive(db_path) as archive:
        crawl_id = archive.start_crawl([], {})
        site_ids = [
            archive.upsert_site(url=f"https://bench{n}.example.com/", title=f"Bench blog {n}", engine="hexo",
                                theme=None, feeds=[], sitemaps=[], lang=None)
            for n in range(sites)
        ]
        for start in range(0, total, batch):
            started = time.perf_counter()
            posts = make_posts(rng, start, min(batch, total - start), site_ids)
            generating += time.perf_counter() - started
            started, started_cpu = time.perf_counter(), time.process_time()
            archive.save_posts(posts, crawl_id)
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
        started, started_cpu = time.perf_counter(), time.process_time()
        archive.finish_crawl(crawl_id, "ok", {})
        archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        wall += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
    return wall, cpu, generating


def index_share(db_path: Path) -> tuple[float, float]:
    """(MB of the search index's tables, their share of the file) from SQLite's dbstat."""
    import sqlite3

    with sqlite3.connect(db_path) as connection:
        sizes = dict(connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
    index = sum(size for name, size in sizes.items() if name.startswith(("posts_fts", "post_search")))
    return index / 1e6, index / max(1, sum(sizes.values()))


def make_queries(count: int) -> list[str]:
    """Mixed CJK and English queries over the whole vocabulary: common and rare terms, words and phrases."""
    rng = random.Random(7)
    queries = []
    for number in range(count):
        kind = number % 4
        if kind == 0:  # a CJK word of 2 to 4 characters
            queries.append(rng.choice(ZH_VOCABULARY[:2000]))
        elif kind == 1:  # two CJK words
            queries.append(f"{rng.choice(ZH_VOCABULARY[:500])} {rng.choice(ZH_VOCABULARY[:500])}")
        elif kind == 2:  # an English word, any form
            queries.append(rng.choice(EN_VOCABULARY[:2000]) + rng.choice(("", "s", "ing")))
        else:  # an English phrase
            first = rng.randrange(len(EN_WORDS) - 1)
            queries.append(f'"{EN_WORDS[first]} {EN_WORDS[first + 1]}"')
    return queries


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def time_queries(db_path: Path, queries: list[str]) -> dict[str, tuple[list[float], list[float]]]:
    """Per endpoint: (wall ms, CPU ms of this process) of each query, in order."""
    datasette = make_datasette(db_path)
    await datasette.invoke_startup()
    name = db_path.stem
    endpoints = {
        "posts.json ?_search= (with facets and count)": lambda q: (f"/{name}/posts.json", {"_search": q}),
        "posts.json ?_search= &_nofacet=1": lambda q: (f"/{name}/posts.json", {"_search": q, "_nofacet": "1"}),
        "/-/search.json (ranked, snippets)": lambda q: ("/-/search.json", {"q": q}),
        # What a person gets from the search box of the posts table: the HTML page, main columns.
        "posts ?_search= (HTML page, main columns)": lambda q: (
            f"/{name}/posts", {"_search": q, "_col": ["title", "published", "site_id", "author", "tags", "excerpt"]}),
    }
    timings: dict[str, tuple[list[float], list[float]]] = {}
    for label, request in endpoints.items():
        path, params = request(queries[0])
        await datasette.client.get(path, params=params)  # warm the page cache
        times, cpu_times = [], []
        for query in queries:
            path, params = request(query)
            started, started_cpu = time.perf_counter(), time.process_time()
            response = await datasette.client.get(path, params=params)
            times.append((time.perf_counter() - started) * 1000)
            # CPU of every thread of the process: what the request costs whatever else runs on the machine.
            cpu_times.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, response.text[:300]
        timings[label] = (times, cpu_times)
    return timings


def main() -> None:
    """Build the archive, time the queries, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", type=Path, help="keep the archive here (default: a temporary directory)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        db_path = arguments.db or Path(tmp) / "archive.db"
        if not db_path.exists():
            wall, cpu, generating = build(db_path, arguments.posts)
            size = db_path.stat().st_size / 1e6
            print(f"built {arguments.posts:,} posts through Archive.save_posts in {wall:.1f} s ({cpu:.1f} s CPU; "
                  f"{size:.0f} MB; generating them took another {generating:.1f} s)")
        index_mb, share = index_share(db_path)
        print(f"search index: {index_mb:.1f} MB, {share:.0%} of the file")
        queries = make_queries(arguments.queries)
        for label, (times, cpu_times) in asyncio.run(time_queries(db_path, queries)).items():
            print(f"{label}: median {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms, "
                  f"max {max(times):.1f} ms over {len(times)} queries (CPU: median "
                  f"{statistics.median(cpu_times):.1f} ms, p95 {percentile(cpu_times, 0.95):.1f} ms)")


if __name__ == "__main__":
    main()
