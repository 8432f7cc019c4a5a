"""The backup quiz: random positions, right word among decoys, answers checked."""

from conftest import load_vectors

from signer.seed.quiz import make_quiz

WORDS = load_vectors("bip39/vectors.json")["english"][2][1].split()


def test_quiz_questions_hold_the_right_word() -> None:
    quiz = make_quiz(WORDS, questions=4, choices=5)
    assert len(quiz.questions) == 4
    assert len({q.position for q in quiz.questions}) == 4
    for question in quiz.questions:
        assert WORDS[question.position] in question.choices
        assert len(set(question.choices)) == 5
    assert "legal" not in repr(quiz)


def test_quiz_passes_only_with_right_answers() -> None:
    quiz = make_quiz(WORDS)
    right = [WORDS[q.position] for q in quiz.questions]
    assert quiz.check(right).passed
    assert quiz.check([w[:4].upper() for w in right]).passed  # 4-letter abbreviations
    wrong = list(right)
    wrong[1] = "zoo"
    result = quiz.check(wrong)
    assert not result.passed and result.wrong_positions == (quiz.questions[1].position,)


def test_quiz_positions_vary() -> None:
    seen = {tuple(q.position for q in make_quiz(WORDS).questions) for _ in range(30)}
    assert len(seen) > 1
