"""The ranking model: TF-IDF of titles and abstracts and a linear SVM with balanced weights.

The features are computed once for all records of a review (TF-IDF needs no
labels); each retraining fits only the classifier on the records decided so
far and scores every record. A review's inclusions are a few percent of its
records, so the included ones weigh more (``balance_ratio``).

The simulation (BENCHMARKS.md) chose the classifier and the features: a
class-weighted logistic regression ranked as well on average but fell 2.8
points of WSS@95 behind ASReview on one data set; the linear SVM with
ASReview's tuned C and balance, retrained after every decision, ranks as
ASReview does. The title's own block (weight 0.25) gained a point of WSS@95
on average over the four data sets. The SVM's scores rank; they are not
probabilities.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

MODEL_NAME = (
    "TF-IDF word 1-2-grams of the record and of its title, linear SVM with balanced sample weights"
)


@dataclass(frozen=True)
class ModelSettings:
    """What a ranking is computed with; stored with every ranking the app records."""

    word_ngrams: tuple[int, int] = (1, 2)
    title_weight: float = 0.25
    char_ngrams: tuple[int, int] | None = None
    char_min_df: int = 2
    max_df: float = 0.95
    c: float = 0.11
    balance_ratio: float = 9.8
    seed: int = 0
    name: str = MODEL_NAME

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Features:
    """The TF-IDF matrix of a set of records, one row a record, word features first."""

    matrix: sp.csr_matrix
    words: np.ndarray = field(repr=False)

    @property
    def n(self) -> int:
        return self.matrix.shape[0]


@dataclass(frozen=True)
class Fit:
    """A fitted classifier's scores for every record and its weights for the explanation."""

    scores: np.ndarray
    coef: np.ndarray = field(repr=False)
    intercept: float


def record_text(title: str, abstract: str) -> str:
    """What the model reads of a record: its title on the first line, then its abstract.

    The title's own line breaks become spaces, so that :func:`record_title`
    finds it again.
    """
    title = " ".join((title or "").split())
    abstract = (abstract or "").strip()
    return f"{title}\n{abstract}" if abstract else title


def record_title(text: str) -> str:
    """The title of a text made by :func:`record_text`."""
    return text.partition("\n")[0]


def build_features(texts: list[str], settings: ModelSettings = ModelSettings()) -> Features:
    """TF-IDF features of ``texts`` (sublinear term frequency, L2-normalised rows).

    Parameters
    ----------
    texts : list of str
        One text per record, the title on its first line (see :func:`record_text`).
    settings : ModelSettings
        Word and character n-gram ranges, the weight of the title's block,
        document-frequency cut-off.

    Returns
    -------
    Features
        The word features' columns come first; their names explain scores.

    Notes
    -----
    Term frequency-inverse document frequency (Salton & Buckley 1988) over the
    word n-grams of the whole text, beside the same features of the title
    alone scaled by ``title_weight`` (a title word counts in both, so the
    title weighs more than the abstract; the simulation found 0.25 best, see
    BENCHMARKS.md); each row is L2-normalised after the blocks are joined.
    ``char_ngrams`` adds character n-grams within word boundaries (off by
    default: on the benchmark data sets they cost four times the time for a
    mixed result).
    """
    if not texts:
        raise ValueError("There are no records to rank.")
    word = _word_vectorizer(settings, len(texts))
    blocks = [_fit_or_empty(word, texts)]
    if settings.title_weight:
        titles = [record_title(text) for text in texts]
        title = _word_vectorizer(settings, len(texts))
        blocks.append(settings.title_weight * _fit_or_empty(title, titles))
    if settings.char_ngrams:
        char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=settings.char_ngrams,
            min_df=settings.char_min_df if len(texts) > 20 else 1,
            sublinear_tf=True,
            strip_accents="unicode",
        )
        blocks.append(_fit_or_empty(char, texts))
    matrix = normalize(sp.hstack(blocks, format="csr"))
    words = word.get_feature_names_out() if blocks[0].shape[1] else np.array([], dtype=object)
    return Features(matrix=sp.csr_matrix(matrix), words=words)


def _word_vectorizer(settings: ModelSettings, records: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=settings.word_ngrams,
        sublinear_tf=True,
        max_df=settings.max_df if records > 20 else 1.0,
        strip_accents="unicode",
    )


def _fit_or_empty(vectorizer: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
    try:
        return vectorizer.fit_transform(texts)
    except ValueError:  # every text empty, or only stop words
        vectorizer.vocabulary_ = {}
        return sp.csr_matrix((len(texts), 0))


def fit_scores(
    features: Features,
    rows: np.ndarray,
    labels: np.ndarray,
    settings: ModelSettings = ModelSettings(),
) -> Fit:
    """Fit the classifier on the decided ``rows`` and score every record.

    Parameters
    ----------
    features : Features
        From :func:`build_features`.
    rows : array of int
        Rows of the decided records.
    labels : array of {0, 1}
        1 for an included record, 0 for an excluded one, in the order of ``rows``.
    settings : ModelSettings
        ``c`` is the inverse regularisation strength; ``balance_ratio`` how many
        times the excluded records' total weight the included ones' is.

    Returns
    -------
    Fit
        ``scores`` is the SVM's decision value for every record (higher: more
        likely relevant); a rank, not a probability.

    Notes
    -----
    L2-regularised linear support vector machine with the squared hinge loss
    (liblinear), with sample weights 1 for an included record and
    ``n_included / (balance_ratio * n_excluded)`` for an excluded one, rescaled
    to sum to the number of records: the "balanced" sample weights of
    ASReview's default model (ELAS u4, C = 0.11, ratio 9.8; van de Schoot et
    al. 2021, Nature Machine Intelligence 3:125), which stand in for balanced
    sampling without discarding any decision.
    """
    labels = np.asarray(labels, dtype=np.int8)
    if not len(labels) or labels.min() == labels.max():
        raise ValueError("Ranking needs at least one included and one excluded record.")
    included = int(labels.sum())
    weights = np.where(
        labels == 1, 1.0, included / (settings.balance_ratio * (len(labels) - included))
    )
    weights *= len(labels) / weights.sum()
    model = LinearSVC(C=settings.c, random_state=settings.seed)
    model.fit(features.matrix[rows], labels, sample_weight=weights)
    return Fit(
        scores=model.decision_function(features.matrix),
        coef=model.coef_[0],
        intercept=float(model.intercept_[0]),
    )


def rank_order(scores: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
    """Rows from the most to the least likely to be included (ties keep row order)."""
    order = np.argsort(-scores, kind="stable")
    if exclude is not None and len(exclude):
        order = order[~np.isin(order, exclude)]
    return order


def top_words(features: Features, fit: Fit, row: int, *, count: int = 5) -> list[str]:
    """The words of a record that raise its score most: what the relevance badge shows.

    Only word n-grams are named (character n-grams say little to a reader),
    and not those made of stop words only ("for", "of the"); each word's
    contribution is its TF-IDF weight in the record times the classifier's
    coefficient.
    """
    vector = features.matrix[row]
    columns = vector.indices[vector.indices < len(features.words)]
    if not len(columns):
        return []
    contribution = vector[0, columns].toarray().ravel() * fit.coef[columns]
    words = []
    for i in np.argsort(-contribution):
        word = str(features.words[columns[i]])
        if contribution[i] <= 0 or len(words) == count:
            break
        if not set(word.split()) <= ENGLISH_STOP_WORDS:
            words.append(word)
    return words
