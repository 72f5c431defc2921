"""A bot whose knowledge base always asks back ("did you mean"), for the platform tests of
the clarify outcome: which questions the fitted model clarifies depends on the model, what
a clarification looks like and does on each platform does not."""

from __future__ import annotations

from bot.app import Services
from bot.chat.conversation import Conversation
from knowledge import Answerer, Thresholds
from tests.bot.conftest import DPO

# P(best) never reaches 1.01, and any candidate is worth offering: every question with a
# candidate article is met with "did you mean"
ASK_BACK = Thresholds(answer_at=1.01, clarify_at=0.0)


def ask_back(services: Services) -> Conversation:
    """Swap the running bot's conversation for one that always asks back."""
    conversation = Conversation(
        Answerer(services.knowledge, DPO, thresholds=ASK_BACK),
        question_log=services.question_log,
        dpo_contact=DPO,
        clock=services.now,
    )
    services.conversation = conversation
    services.pipeline.conversation = conversation
    return conversation
