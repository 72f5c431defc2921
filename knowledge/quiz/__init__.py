"""The question bank: situations an agent meets, with options, the right ones, a one-line
explanation and the knowledge article each question teaches. Files, not code: the
shipped bank is `knowledge/quiz/{sv,en}/*.yaml`; a company adds or overrides questions by
id with its own folders. Knows nothing of chat, routines or the database."""

from __future__ import annotations

from knowledge.quiz.loader import QUIZ_DIR, ArticleIds, check_quiz, load_quiz_bank, quiz_files
from knowledge.quiz.model import DIFFICULTIES, Difficulty, Question, QuizBank

__all__ = [
    "DIFFICULTIES",
    "QUIZ_DIR",
    "ArticleIds",
    "Difficulty",
    "Question",
    "QuizBank",
    "check_quiz",
    "load_quiz_bank",
    "quiz_files",
]
