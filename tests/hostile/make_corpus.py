"""Writes the hostile-input corpus into a folder: ≥ 30 inputs that readers and stages must survive.

Generated at test time (nothing binary is committed). Each input carries what the tests
expect of it: how many article records it must produce (None: at least one), which
outcomes are acceptable, and words one of which every rejection reason must contain, so a
reason that says nothing a user can act on fails the test. The English prose is written
for these tests (no shared data is copied). Run ``python -m tests.hostile.make_corpus DIR``
to look at the files by hand.
"""
from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import random
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

#: Plain English news prose (written for these tests) that passes the cleaner's checks.
ENGLISH = (
    "The harbour authority in Valdoria said on Tuesday that it would reopen the northern "
    "port after three weeks of repairs. Officials told reporters that the damage from the "
    "storm had been worse than expected, and that the cost of the work was still unknown. "
    "The mayor of the city urged residents to stay patient while the government reviewed "
    "the budget for the coming year. Trade groups welcomed the decision and asked the "
    "ministry to publish a timetable for the remaining work on the bridge.\n\n"
    "In a statement, the ministry said the new schedule would be announced next month. "
    "\"We are doing everything we can to keep the goods moving,\" the port director said. "
    "Shipping companies have been diverting their vessels to the southern terminal since "
    "the start of the month, which has caused long delays for farmers and factories.\n"
)
FRENCH = (
    "Le gouvernement a annoncé mardi que le port du nord sera rouvert après trois semaines de "
    "travaux. Les responsables ont déclaré aux journalistes que les dégâts causés par la "
    "tempête étaient plus graves que prévu et que le coût des travaux restait inconnu. Le "
    "maire de la ville a demandé aux habitants de rester patients pendant que le ministère "
    "examine le budget de l'année prochaine.\n"
)
CHINESE = ("港口管理局周二表示，北部港口将在三周的维修后重新开放。官员告诉记者，风暴造成的损失比预期的"
           "更严重，工程费用仍然未知。市长敦促居民保持耐心，同时政府正在审查明年的预算。\n")
ARABIC = ("قالت سلطة الميناء يوم الثلاثاء إنها ستعيد فتح الميناء الشمالي بعد ثلاثة أسابيع من "
          "الإصلاحات. وقال المسؤولون للصحفيين إن الأضرار الناجمة عن العاصفة كانت أسوأ مما كان "
          "متوقعا وإن تكلفة العمل لا تزال غير معروفة.\n")

OK, REJECTED = "ok", "rejected"
ANY = frozenset({OK, REJECTED})


@dataclass(frozen=True)
class HostileInput:
    """One generated input and what must come of it."""

    name: str
    path: Path
    articles: int | None            # exact number of records it must yield; None: ≥ 1
    allowed: frozenset[str]         # acceptable outcomes (never "failed")
    reason_words: tuple[str, ...]   # a rejection reason must contain one of these
    note: str = ""


def _words(rng: random.Random, n: int) -> str:
    vocab = ("harbour ministry budget convoy river senate tariff grain pipeline summit embassy "
             "border delegation drought election court railway refinery treaty protest "
             "ceasefire harvest bank currency fleet parliament satellite vaccine refugee "
             "corridor coalition census frontier bridge tunnel port clinic school factory "
             "the of and to in said would with for on").split()
    return " ".join(rng.choice(vocab) for _ in range(n))


def _warc_bytes(pages: list[tuple[str, str]], gz: bool) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for url, html in pages:
        body = html.encode("utf-8")
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                              ("Content-Length", str(len(body)))],
                                   protocol="HTTP/1.1")
        rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                        http_headers=headers)
        writer.write_record(rec)
    return buf.getvalue()


def _html_page(title: str, body: str) -> str:
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n") if p.strip())
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
            f"<article><h1>{title}</h1>{paras}</article></body></html>")


#: Settings the corpus is meant to run under: a 1 MB article limit makes the 2 MB JSONL line
#: an over-limit line (with the 5 MB default it would be parsed: a minute of CPU for a test),
#: and a 500-sentence limit lets ``many_sentences.txt`` cross it with a short parse.
LIMITS = {"max_article_bytes": 1_000_000, "max_sentences": 500}


def write_corpus(root: Path, big_line_bytes: int = 20_000_000,
                 many_sentences: int = 800) -> list[HostileInput]:
    """Write every hostile input under ``root``; return them with their expectations.

    The expectations assume :data:`LIMITS` (``Settings.load(**LIMITS)``).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261127)
    items: list[HostileInput] = []

    def add(name: str, filename: str, data: bytes, articles: int | None, allowed,
            reason_words=(), note: str = "") -> None:
        path = root / filename
        path.write_bytes(data)
        items.append(HostileInput(name, path, articles, frozenset(allowed), tuple(reason_words),
                                  note))

    en = ENGLISH.encode("utf-8")
    add("empty", "empty.txt", b"", 1, {REJECTED}, ("empty",))
    add("whitespace only", "whitespace.txt", b"  \n\t\r\n   \n\n", 1, {REJECTED}, ("empty",))
    add("random bytes", "random.dat", bytes(rng.getrandbits(8) for _ in range(4096)), 1,
        {REJECTED}, ("binary", "undecodable"))
    add("PNG header", "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
        1, {REJECTED}, ("binary", "undecodable"))
    add("NUL bytes inside text", "nul_inside.txt", en[:300] + b"\x00\x00" + en[300:], 1,
        {REJECTED, OK}, ("binary", "NUL"))
    late = (ENGLISH * 100).encode()  # past the 64 KiB the binary sniffers look at
    add("NUL bytes after 64 KiB", "late_nul.txt", late + b"\x00\x01\x00" + en, 1,
        {REJECTED, OK}, ("binary", "NUL", "control"))
    add("invalid UTF-8", "invalid_utf8.txt", en[:200] + b"\xff\xfe\xc3\x28\xa0\xa1" + en[200:], 1,
        {OK, REJECTED}, ("undecodable", "binary", "UTF-8"))
    add("UTF-16 without BOM", "utf16_nobom.txt", ENGLISH.encode("utf-16-le"), 1, {OK})
    add("UTF-16 with BOM", "utf16_bom.txt", codecs.BOM_UTF16_LE + ENGLISH.encode("utf-16-le"),
        1, {OK})
    mixed = (ENGLISH[:400].encode("utf-8") + "Café société, naïve résumé — “quoted”. ".encode("cp1252")
             + "Café société, naïve résumé — “quoted”. ".encode("utf-8") + en[400:])
    add("mixed encodings", "mixed_encodings.txt", mixed, 1, {OK, REJECTED},
        ("undecodable", "binary", "encoding"))
    line = ("lorem ipsum harbour " * (big_line_bytes // 20 + 1))[:big_line_bytes].encode("ascii")
    add("20 MB single line", "huge_line.txt", line, 1, {REJECTED}, ("too large",))
    depth = 10_000
    nested = ("<html><body>" + "<div>" * depth + "<p>" + ENGLISH.replace("\n", " ") + "</p>"
              + "</div>" * depth + "</body></html>")
    add("HTML nested 10,000 levels", "deep_nesting.html", nested.encode(), 1, {OK, REJECTED},
        ("no article body", "HTML", "nest"))
    add("HTML with only scripts and styles", "scripts_only.html",
        (b"<html><head><style>body{color:red}</style><script>var a = 1;</script></head>"
         b"<body><script>document.write('hello world from a script that runs');</script>"
         b"<style>p{margin:0}</style></body></html>"),
        1, {REJECTED}, ("no article body",))
    add("HTML with no body", "no_body.html",
        b"<html><head><title>Only a title here</title><meta charset='utf-8'></head></html>",
        1, {REJECTED}, ("no article body", "empty"))
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
            + b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                       for i in range(1, 10))
            + b']>\n<rss version="2.0"><channel><title>t</title><item><title>x</title>'
            b"<description>&lol9;</description></item></channel></rss>\n")
    add("RSS entity bomb", "bomb.xml", bomb, 1, {REJECTED}, ("entit",))
    add("RSS without items", "empty_feed.xml",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Nothing</title>'
        b"<link>https://example.org/</link><description>none</description></channel></rss>",
        1, {REJECTED}, ("no items", "feed"))
    pages = [(f"https://example.org/a{i}", _html_page(f"Port report number {i}", ENGLISH))
             for i in range(3)]
    warc = _warc_bytes(pages, gz=True)
    add("truncated .warc.gz", "truncated.warc.gz", warc[: len(warc) - 300], None,
        {OK, REJECTED}, ("truncated", "corrupt"))
    add("a .warc that is not a WARC", "not_a_warc.warc", en, 1, {REJECTED},
        ("WARC", "truncated", "corrupt"))
    good = json.dumps({"text": ENGLISH, "title": "Port to reopen", "published": "2021-02-05"})
    jsonl_lines = [
        good,
        '{"text": "unterminated string, ',
        json.dumps({"text": 5}),
        json.dumps({"text": ENGLISH, "published": "yesterday"}),
        json.dumps([ENGLISH, "an array, not an object"]),
        json.dumps({"title": "no text field at all"}),
        json.dumps({"text": ENGLISH, "url": 17}),
        "not json at all",
    ]
    add("JSONL with broken lines and wrong types", "broken.jsonl",
        ("\n".join(jsonl_lines) + "\n").encode("utf-8"), len(jsonl_lines), {OK, REJECTED},
        ("line", "JSON", "must be", "ISO"))
    long_text = _words(rng, 330_000)[:2_000_000]
    add("JSONL 2 MB line", "long_line.jsonl",
        (json.dumps({"text": long_text}) + "\n" + good + "\n").encode("utf-8"), 2,
        {OK, REJECTED}, ("too large",))
    add("French", "french.txt", FRENCH.encode("utf-8"), 1, {REJECTED}, ("not English",))
    add("Chinese", "chinese.txt", CHINESE.encode("utf-8"), 1, {REJECTED}, ("not English",))
    add("Arabic", "arabic.txt", ARABIC.encode("utf-8"), 1, {REJECTED}, ("not English",))
    sentence = _words(rng, 16_000)[:100_000]
    add("100,000-character sentence", "one_sentence.txt", sentence.encode(), 1, {OK, REJECTED},
        ("too many", "timeout", "sentence", "too long"))
    add("only quote marks", "only_quotes.txt", b'"' * 5000, 1, {REJECTED},
        ("too short", "empty", "no words"))
    words = (ENGLISH * 20).split(" ")
    for _ in range(10_000):  # marks in front of words, so the words stay English
        i = rng.randrange(len(words))
        words[i] = '"' + words[i]
    add("10,000 unbalanced quote marks", "unbalanced_quotes.txt", " ".join(words).encode(),
        1, {OK, REJECTED}, ("timeout", "too many"))
    ctrl = "".join(ch + (chr(rng.randrange(1, 32)) if i % 7 == 0 else "")
                   for i, ch in enumerate(ENGLISH))
    add("control characters", "control_chars.txt", ctrl.encode(), 1, {OK, REJECTED},
        ("binary", "control"))
    rlo = ENGLISH.replace("harbour", "\u202eruobrah\u202c").replace("ministry", "\u2067ministry\u2069")
    add("right-to-left override", "rtl_override.txt", rlo.encode(), 1, {OK})
    add("emoji only", "emoji.txt", ("😀 🎉 🚢 ⚓ 🌊 " * 40 + "\n").encode(), 1, {REJECTED},
        ("no words", "too short", "not English", "letters"))
    add(".txt that is gzip", "compressed.txt", gzip.compress(en * 3), 1, {REJECTED},
        ("gzip", "compressed", "binary"))
    zw = ENGLISH.replace(" ", " \u200b").replace("e", "e\u200d", 20)
    add("zero-width characters", "zero_width.txt", ("\ufeff" + zw).encode(), 1, {OK})
    add("a BOM and nothing else", "bom_only.txt", codecs.BOM_UTF8, 1, {REJECTED}, ("empty",))
    add("HTML entities only", "entities.html",
        b"<html><body><p>" + b"&nbsp;&amp;&lt;&gt;&#8203;" * 200 + b"</p></body></html>", 1,
        {REJECTED}, ("no article body", "too short", "empty"))
    add("XML that is not a feed", "config.xml",
        b'<?xml version="1.0"?><config><item>1</item><item>2</item></config>', 1, {REJECTED},
        ("not an RSS", "feed"))
    add("binary with an .html name", "binary.html", zlib.compress(en * 5) + bytes(range(256)), 1,
        {REJECTED}, ("binary", "undecodable", "no article body"))
    add("text of one repeated word", "repeated_word.txt", ("news " * 50_000).encode(), 1,
        {OK, REJECTED}, ("not English", "too many", "timeout"))
    many = "".join(f"Officials met on day {i}. " for i in range(many_sentences))
    add("over max_sentences", "many_sentences.txt", many.encode(), 1, {REJECTED},
        ("too many sentences",))
    add("only carriage returns as line ends", "cr_only.txt", ENGLISH.replace("\n", "\r").encode(),
        1, {OK})
    add("lone surrogate escapes in JSONL", "surrogates.jsonl",
        b'{"text": "The ministry said \\ud800 that the port would reopen next month after repairs."}\n',
        1, {OK, REJECTED}, ("surrogate", "UTF", "encode"))
    add("NUL escapes in JSONL fields", "nul_fields.jsonl",
        (json.dumps({"title": "Port\u0000news", "text": ENGLISH}) + "\n"
         + json.dumps({"text": ENGLISH.replace("harbour", "\u0000harbour")}) + "\n"
         + json.dumps({"text": ENGLISH, "url": "https://example.org/\u0000"}) + "\n").encode(),
        3, {REJECTED}, ("NUL",))
    add("WARC of a JSON payload only", "json_payload.warc", b"WARC/1.0\r\n\r\n", None,
        {REJECTED}, ("truncated", "corrupt", "WARC"))
    add("ordinary article (control)", "control_ok.txt",
        ("Port to reopen after storm repairs\n\n" + ENGLISH).encode(), 1, {OK})

    loop_dir = root / "symlink_loop"
    loop_dir.mkdir(exist_ok=True)
    (loop_dir / "inside.txt").write_bytes(en)
    try:
        for link, target in (("self_loop.txt", "self_loop.txt"), ("parent_link", "..")):
            if os.path.lexists(loop_dir / link):
                os.unlink(loop_dir / link)
            os.symlink(target, loop_dir / link)
        items.append(HostileInput("symlink loop in a folder", loop_dir, 2, frozenset(ANY),
                                  ("symbolic link", "cannot read", "loop"),
                                  "the folder holds one article and a link to itself"))
    except OSError:
        pass  # the OS refuses symlinks here: the case is skipped
    unreadable = root / "unreadable.txt"
    unreadable.write_bytes(en)
    os.chmod(unreadable, 0)
    # Root reads files whatever their mode, so as root this is an ordinary article.
    items.append(HostileInput("file without read permission", unreadable, 1,
                              frozenset({OK}) if _is_root() else frozenset({REJECTED}),
                              ("permission",), "as root the file is readable"))
    return items


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


if __name__ == "__main__":
    for item in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile_corpus")):
        print(f"{item.path}\t{item.name}")
