"""Articles in, answers out. Knows nothing of chat or platforms.

Public API: `load_knowledge_base`, `check_knowledge`, `KnowledgeBase`, `KnowledgeError`,
`Problem`, `Answerer`, `detect_language`, `small_talk`, `build_encoder`, `Encoder`, and the
values in `knowledge.model` (`Answer`, `Outcome`, …).
"""

from __future__ import annotations

from knowledge.analysis.language import detect_language
from knowledge.analysis.smalltalk import small_talk
from knowledge.base import KnowledgeBase, knowledge_dirs, load_knowledge_base
from knowledge.loader import SHIPPED_DIR, check_knowledge
from knowledge.model import Answer, Article, ArticleRef, Lang, Outcome, Reason, Suggestion
from knowledge.problems import KnowledgeError, Problem
from knowledge.retrieval.answerer import Answerer
from knowledge.retrieval.encoder import Encoder, EncoderError, build_encoder
from knowledge.retrieval.scoring import Thresholds
from knowledge.retrieval.vectors import default_cache_dir

__all__ = [
    "SHIPPED_DIR",
    "Answer",
    "Answerer",
    "Article",
    "ArticleRef",
    "Encoder",
    "EncoderError",
    "KnowledgeBase",
    "KnowledgeError",
    "Lang",
    "Outcome",
    "Problem",
    "Reason",
    "Suggestion",
    "Thresholds",
    "build_encoder",
    "check_knowledge",
    "default_cache_dir",
    "detect_language",
    "knowledge_dirs",
    "load_knowledge_base",
    "small_talk",
]
