"""A synthetic knowledge base for benchmarks: articles of made-up words in Swedish and
English (titles, five question phrasings, tags, a body of three paragraphs) and
colloquial questions drawn from them (a few words of one article's phrasing and title,
filler words, the odd dropped letter). Seeded: every run builds the same base and asks
the same questions, so figures of different runs compare.
"""

from __future__ import annotations

import random
from datetime import date

from knowledge import Article
from knowledge.model import Lang

SEED = 20261128
SYLLABLES = {
    "sv": "ka ri ne sto la på mer ung vin dal för tid ska ring upp gift lag svar kund rätt".split(),  # noqa: SIM905  (a word list, kept short)
    "en": "ka ri ne sto la con ver ment tion pro cess data re quest ac cess ble ing ter".split(),  # noqa: SIM905  (a word list, kept short)
}
DOMAIN = {
    "sv": [
        "registerutdrag",
        "personuppgifter",
        "samtycke",
        "radering",
        "gallring",
        "lagringstid",
        "incident",
        "personuppgiftsbiträde",
        "sanktionsavgift",
        "dataskyddsombud",
        "rättelse",
        "invändning",
        "kryptering",
        "inspelning",
        "behörighet",
        "utbildning",
        "rutin",
        "avtal",
        "kund",
        "ärende",
    ],
    "en": [
        "access",
        "personal",
        "data",
        "consent",
        "erasure",
        "retention",
        "breach",
        "processor",
        "fine",
        "officer",
        "rectification",
        "objection",
        "encryption",
        "recording",
        "permission",
        "training",
        "routine",
        "agreement",
        "customer",
        "case",
        "request",
    ],
}
FILLER = {
    "sv": [
        "hur",
        "gör",
        "jag",
        "vad",
        "gäller",
        "för",
        "kunden",
        "vill",
        "att",
        "vi",
        "ska",
        "kan",
        "man",
        "undrar",
    ],
    "en": [
        "how",
        "do",
        "i",
        "what",
        "about",
        "the",
        "customer",
        "wants",
        "we",
        "should",
        "can",
        "you",
        "tell",
        "me",
    ],
}


def _vocabulary(lang: Lang, rng: random.Random, size: int = 6000) -> list[str]:
    words = set(DOMAIN[lang])
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES[lang]) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def build_corpus(n_articles: int) -> list[Article]:
    rng = random.Random(SEED)
    articles: list[Article] = []
    for lang in ("sv", "en"):
        vocab = _vocabulary(lang, rng)
        for i in range(n_articles // 2):

            def phrase(n: int, vocab: list[str] = vocab) -> str:
                return " ".join(rng.choice(vocab) for _ in range(n))

            articles.append(
                Article(
                    id=f"article-{i}",
                    lang=lang,
                    title=phrase(4).capitalize(),
                    body="\n\n".join(phrase(25) + "." for _ in range(3)),
                    owner="Dataskyddsombud" if lang == "sv" else "Data protection officer",
                    reviewed=date(2026, 10, 1),
                    questions=tuple(phrase(6) for _ in range(5)),
                    tags=tuple(rng.choice(vocab) for _ in range(8)),
                    gdpr=("15",),
                )
            )
    return articles


def build_queries(articles: list[Article], n_queries: int) -> list[tuple[Lang, str]]:
    rng = random.Random(SEED + 1)
    queries: list[tuple[Lang, str]] = []
    for _ in range(n_queries):
        article = rng.choice(articles)
        words = rng.choice(article.questions).split()[:4] + article.title.lower().split()[:1]
        if rng.random() < 0.2:  # a typo: drop one letter of one word
            j = rng.randrange(len(words))
            if len(words[j]) > 6:
                k = rng.randrange(1, len(words[j]) - 1)
                words[j] = words[j][:k] + words[j][k + 1 :]
        question = " ".join(rng.sample(FILLER[article.lang], 3) + words) + "?"
        queries.append((article.lang, question))
    return queries
