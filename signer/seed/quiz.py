"""The backup quiz: after showing the words, ask for a few of them at random positions.
The seed is stored only once every answer is right.

Positions and decoys come from the `secrets` module, so a quiz cannot be predicted.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from signer.errors import UsageError
from signer.seed.words import WORDLIST, resolve

QUESTIONS = 3
CHOICES = 4

T = TypeVar("T")


@dataclass(frozen=True)
class QuizQuestion:
    position: int  # 0-based; show position + 1
    choices: tuple[str, ...]  # the right word among decoys, for pick-one screens


@dataclass(frozen=True)
class QuizResult:
    passed: bool
    wrong_positions: tuple[int, ...]  # 0-based positions answered wrongly


@dataclass(frozen=True)
class Quiz:
    words: tuple[str, ...] = field(repr=False)
    questions: tuple[QuizQuestion, ...] = field(repr=False)

    def check(self, answers: Sequence[str]) -> QuizResult:
        """Answers in question order; a word or its unique 4-letter prefix counts."""
        if len(answers) != len(self.questions):
            raise UsageError(f"the quiz has {len(self.questions)} questions, "
                             f"got {len(answers)} answers")
        wrong = tuple(q.position for q, answer in zip(self.questions, answers, strict=True)
                      if resolve(answer) != self.words[q.position])
        return QuizResult(passed=not wrong, wrong_positions=wrong)


def make_quiz(words: Sequence[str], questions: int = QUESTIONS, choices: int = CHOICES) -> Quiz:
    if not 1 <= questions <= len(words):
        raise UsageError(f"a quiz asks between 1 and {len(words)} words")
    if not 1 <= choices <= len(WORDLIST):
        raise UsageError("a quiz question offers at least one choice")
    positions = sorted(_sample(range(len(words)), questions))
    built = []
    for position in positions:
        right = words[position]
        decoys = _sample([w for w in WORDLIST if w != right], choices - 1)
        options = [*decoys, right]
        _shuffle(options)
        built.append(QuizQuestion(position, tuple(options)))
    return Quiz(tuple(words), tuple(built))


def _sample(population: Sequence[T], k: int) -> list[T]:
    pool = list(population)
    return [pool.pop(secrets.randbelow(len(pool))) for _ in range(k)]


def _shuffle(items: list[T]) -> None:
    # Fisher-Yates with the secrets module (random.shuffle is predictable).
    for i in range(len(items) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        items[i], items[j] = items[j], items[i]
