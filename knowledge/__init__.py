"""Articles in, answers out. Knows nothing of chat or platforms.

Public API: `load_knowledge_base`, `check_knowledge`, `KnowledgeBase`, `KnowledgeError`,
`Problem`, `Answerer`, `detect_language`, and the values in `knowledge.model`.
"""

from __future__ import annotations

from knowledge.answers import Answerer, Thresholds
from knowledge.base import KnowledgeBase, knowledge_dirs, load_knowledge_base
from knowledge.language import detect_language
from knowledge.loader import SHIPPED_DIR, KnowledgeError, Problem, check_knowledge
from knowledge.model import Answer, Article, ArticleRef, Lang, Suggestion

__all__ = [
    "SHIPPED_DIR",
    "Answer",
    "Answerer",
    "Article",
    "ArticleRef",
    "KnowledgeBase",
    "KnowledgeError",
    "Lang",
    "Problem",
    "Suggestion",
    "Thresholds",
    "check_knowledge",
    "detect_language",
    "knowledge_dirs",
    "load_knowledge_base",
]
