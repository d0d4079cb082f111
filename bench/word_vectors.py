"""Would pretrained word vectors lift the category head? Grouped CV with Wikipedia word2vec.

Usage: .venv/bin/python bench/word_vectors.py

Why: the category head's misses fall between neighbouring categories (bench/category_ceiling.py),
and the last notes guessed that knowledge of meaning, which the repo's ~10k messages cannot
teach, is what is missing. The one pretrained Chinese model this machine can reach is the
word2vec table of `synonyms` 3.10.2 on PyPI (MIT; 125,796 words x 100, trained on Chinese
Wikipedia; later releases download it behind a licence key). The first run fetches that sdist
(54 MB) with pip into var/word_vectors/ and keeps the table as a .npy there.

On bench/parser_cv.py's grouped folds (real dev and test never read), scored as
category_ceiling scores (held-out real reports, category given it is a report):
- `linear`: the shipped head (char n-grams and rule scores, C 12, balanced);
- `linear+vectors`: the same with the message's mean word vector appended (words found by jieba,
  or every dictionary word inside the text, `--words substrings`);
- `vectors`: a logistic regression over the mean vector alone;
- `linear+vectors mix M`: the two heads' probabilities mixed, M of the vector head's.
Issue 11, session 6 (default, jieba words), pooled over 3,017 held-out reports: linear 0.813,
linear+vectors 0.813, vectors alone 0.595, mixes 0.814 / 0.814 / 0.813 (M 0.2 / 0.35 / 0.5).
The vectors know that 垃圾 is near 废物, not where a 创城办 files 门前脏乱. Not used by the product.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cv_lab import Head, design, fold_examples, held_reports  # noqa: E402

from bot.parsing.parser import MessageParser  # noqa: E402
from config import load_config  # noqa: E402

STORE = ROOT / "var" / "word_vectors"
RELEASE = "synonyms==3.10.2"
MEMBER = "synonyms-3.10.2/synonyms/data/words.vector"


def fetch() -> tuple[list[str], np.ndarray]:
    """The vocabulary and unit-length vectors, from the sdist's word2vec binary file."""
    words_file, vectors_file = STORE / "words.txt", STORE / "vectors.npy"
    if not vectors_file.exists():
        STORE.mkdir(parents=True, exist_ok=True)
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", str(STORE), RELEASE]
        subprocess.run(pip, check=True)
        with tarfile.open(STORE / "synonyms-3.10.2.tar.gz") as archive:
            member = archive.extractfile(MEMBER)
            assert member is not None, f"{MEMBER} missing from the sdist"
            words, vectors = _read_word2vec(member.read())
        words_file.write_text("\n".join(words), encoding="utf-8")
        np.save(vectors_file, vectors)
    words = words_file.read_text(encoding="utf-8").split("\n")
    vectors = np.load(vectors_file).astype(np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-9)
    return words, vectors


def _read_word2vec(data: bytes) -> tuple[list[str], np.ndarray]:
    """word2vec's binary format: a 'COUNT DIM' line, then per word its text, a space, DIM float32."""
    end = data.index(b"\n")
    count, dim = map(int, data[:end].split())
    position, words = end + 1, []
    vectors = np.empty((count, dim), np.float32)
    for i in range(count):
        space = data.index(b" ", position)
        words.append(data[position:space].decode("utf-8", "ignore").strip().replace("\n", ""))
        vectors[i] = np.frombuffer(data, np.float32, dim, space + 1)
        position = space + 1 + 4 * dim
        while data[position : position + 1] == b"\n":
            position += 1
    return words, vectors


def word_finder(words: list[str], how: str) -> Callable[[str], list[int]]:
    index = {w: i for i, w in enumerate(words) if w and not w.isascii()}
    if how == "jieba":
        import jieba

        jieba.setLogLevel(60)
        return lambda text: [index[t] for t in jieba.lcut(text) if t in index]
    import ahocorasick

    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for word, i in index.items():
        if len(word) >= 2:
            automaton.add_word(word, i)
    automaton.make_automaton()
    return lambda text: [i for _, i in automaton.iter(text)]


def mean_vectors(texts: list[str], find: Callable[[str], list[int]], vectors: np.ndarray) -> np.ndarray:
    out = np.zeros((len(texts), vectors.shape[1]))
    for row, text in enumerate(texts):
        found = find(text)
        if found:
            mean = vectors[found].mean(0)
            out[row] = mean / max(float(np.linalg.norm(mean)), 1e-9)
    return out


def fit(features: Any, items: list[Any], weight: np.ndarray, rows: np.ndarray, c: float) -> Any:
    """The category head's logistic regression on `rows` of `features` (balanced, real rows twice)."""
    from sklearn.linear_model import LogisticRegression

    labels = np.array([items[i].category for i in rows])
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    return model.fit(features[rows], labels, sample_weight=weight[rows])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", choices=("jieba", "substrings"), default="jieba")
    args = parser.parse_args()
    from scipy import sparse

    warnings.filterwarnings("ignore")
    words, vectors = fetch()
    find = word_finder(words, args.words)
    cfg = load_config()
    rules = MessageParser(cfg, word_edges=False)
    categories = tuple(cfg.categories)
    head = Head(12.0)
    right: Counter[str] = Counter()
    total = 0
    for k in range(5):
        train, held = fold_examples(rules, k)
        x, vocabulary, _, items, seen = design(train, head, categories)
        weight = np.array([2.0 if ex.real else 1.0 for ex in items])
        reports = np.flatnonzero([ex.is_report for ex in items])
        hx, held_texts, want = held_reports(rules, held, vocabulary, head, categories)
        train_means = mean_vectors([ex.clean for ex in items], find, vectors)
        held_means = mean_vectors(held_texts, find, vectors)

        linear = fit(x, items, weight, reports, head.c)
        classes = linear.classes_
        p_linear = linear.predict_proba(hx)
        appended = fit(sparse.hstack([x, sparse.csr_matrix(train_means)], format="csr"), items, weight, reports, head.c)
        p_appended = appended.predict_proba(sparse.hstack([hx, sparse.csr_matrix(held_means)], format="csr"))
        own = reports[reports < seen]  # the reports as written, not their copies without the rules
        p_vectors = fit(train_means, items, weight, own, 1.0).predict_proba(held_means)
        scored = {"linear": p_linear, "linear+vectors": p_appended, "vectors": p_vectors}
        for mix in (0.2, 0.35, 0.5):
            scored[f"linear+vectors mix {mix}"] = (1 - mix) * p_linear + mix * p_vectors
        for name, p in scored.items():
            right[name] += int((classes[p.argmax(1)] == want).sum())
        total += len(want)
        print(f"fold {k}: {len(want)} held-out reports", flush=True)
    print(f"pooled over {total} held-out real reports (category given it is a report; words: {args.words}):")
    for name, hits in right.items():
        print(f"  {name:<26} {hits / total:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
