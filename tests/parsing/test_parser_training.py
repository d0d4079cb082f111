"""The knobs of the model's fitting (bot/parsing/training.FitOptions) that bench/parser_cv.py
measures: a knob that silently did nothing would make the cross-validation lie."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.parsing.corpus_files import bundled_training_rows
from bot.parsing.parser import MessageParser
from bot.parsing.training import Example, FitOptions, examples, fit
from config import GuanjiaConfig


@pytest.fixture(scope="module")
def sample(cfg: GuanjiaConfig) -> list[Example]:
    return examples(MessageParser(cfg, word_edges=False), bundled_training_rows()[::40])


def test_rows_from_a_web_page_are_marked_real_and_written_rows_are_not(cfg: GuanjiaConfig):
    row = {"text": "幸福小区北门垃圾堆了三天", "is_report": True, "categories": ["garbage"], "urgent": False}
    rows = [{**row, "source": "https://example.org/a"}, {**row, "source": "written"}, row]
    assert [ex.real for ex in examples(MessageParser(cfg, word_edges=False), rows)] == [True, False, False]


def test_longer_ngrams_and_a_higher_document_count_change_the_vocabulary(cfg: GuanjiaConfig, sample: list[Example]):
    base = fit(cfg, sample)
    longer = fit(cfg, sample, FitOptions(ngram_sizes=(1, 2, 3, 4)))
    rarer = fit(cfg, sample, FitOptions(min_documents=4))
    assert max(map(len, base.vocabulary)) == 3 < max(map(len, longer.vocabulary))
    assert set(rarer.vocabulary) < set(base.vocabulary)


def test_weighting_real_rows_moves_the_weights(cfg: GuanjiaConfig, sample: list[Example]):
    assert any(ex.real for ex in sample)
    even = FitOptions(blind="written", real_weight=1.0)
    base = fit(cfg, sample, even)
    heavier = fit(cfg, sample, replace(even, real_weight=3.0))
    assert abs(base.bias - heavier.bias).max() > 1e-3


def test_only_written_rows_are_learnt_again_without_the_rules_when_asked(cfg: GuanjiaConfig, sample: list[Example]):
    all_real = fit(cfg, [replace(ex, real=True) for ex in sample], FitOptions(blind="written", real_weight=1.0))
    no_blind = fit(cfg, sample, FitOptions(blind="none", real_weight=1.0))
    assert abs(all_real.bias - no_blind.bias).max() < 1e-3
    assert abs(fit(cfg, sample, FitOptions(real_weight=1.0)).bias - no_blind.bias).max() > 1e-3


def test_cross_validation_refits_when_a_label_changes_not_only_a_text():
    """bench/parser_cv.py keeps fold models by a fingerprint of their training rows: a
    relabelled row (same text) must not reuse the model fitted on the old label."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "parser_cv.py"
    spec = importlib.util.spec_from_file_location("parser_cv", path)
    assert spec is not None and spec.loader is not None
    cv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cv)
    row = {"text": "菜市场内占道经营严重", "is_report": True, "categories": ["vending"], "unit": "cgzf"}
    relabelled = {**row, "categories": ["market", "vending"], "unit": "scjg"}
    assert cv.rows_fingerprint([row]) == cv.rows_fingerprint([dict(row)])
    assert cv.rows_fingerprint([row]) != cv.rows_fingerprint([relabelled])
