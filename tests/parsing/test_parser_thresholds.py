"""How the decision thresholds are set on the dev split (bot/parsing/training.py).

The urgent threshold is judged on what the parser decides, where a listed urgent word makes a
report urgent whatever the model says: a false alarm from a word is then already spent, and
the model's own score has to be stricter to keep precision at 0.85.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.parsing.features import RuleSignals
from bot.parsing.model import Prediction, Thresholds
from bot.parsing.training import Example, tune_thresholds


def _signals(urgent_words: int) -> RuleSignals:
    return RuleSignals({"road": 3.0}, urgent_words, True, False, False, False, False, True, True, 20)


@dataclass
class _FixedModel:
    """Reads each dev message with a fixed urgent probability (the model is not under test)."""

    urgent_by_text: dict[str, float]
    thresholds: Thresholds = field(default_factory=Thresholds)

    def predict(self, clean: str, signals: RuleSignals) -> Prediction:
        return Prediction(0.9, (("road", 0.9),), self.urgent_by_text[clean])


def test_a_false_alarm_from_an_urgent_word_makes_the_model_threshold_stricter():
    reads = {"word, not urgent": 0.1, "model 0.7, not urgent": 0.7}
    reads |= {f"urgent {i}": 0.8 for i in range(6)}
    dev = [
        Example("word, not urgent", _signals(1), True, "road", False),
        Example("model 0.7, not urgent", _signals(0), True, "road", False),
        *(Example(f"urgent {i}", _signals(0), True, "road", True) for i in range(6)),
    ]

    limits = tune_thresholds(_FixedModel(reads), dev)  # type: ignore[arg-type]

    # Counting the word's false alarm, 0.7 would flag 6 of 8 right (0.75): it must not pass.
    assert 0.7 < limits.urgent <= 0.8
    flagged = [bool(ex.urgent) for ex in dev if ex.signals.urgent_hits or reads[ex.clean] >= limits.urgent]
    assert sum(flagged) / len(flagged) >= 0.85
    assert sum(flagged) == 6  # every urgent report is still found


def test_the_most_precise_threshold_that_finds_nine_urgent_reports_in_ten_is_chosen():
    reads = {"model 0.3, not urgent": 0.3} | {f"urgent {i}": 0.8 for i in range(6)}
    dev = [
        Example("model 0.3, not urgent", _signals(0), True, "road", False),
        *(Example(f"urgent {i}", _signals(0), True, "road", True) for i in range(6)),
    ]

    limits = tune_thresholds(_FixedModel(reads), dev)  # type: ignore[arg-type]

    assert 0.3 < limits.urgent <= 0.8  # all 6 found, the 0.3 false alarm left out


def test_a_more_precise_threshold_that_loses_urgent_reports_is_not_chosen():
    reads = {"model 0.6, not urgent": 0.6} | {f"sure {i}": 0.9 for i in range(8)}
    reads |= {"urgent, model unsure 1": 0.5, "urgent, model unsure 2": 0.5}
    dev = [Example(text, _signals(0), True, "road", not text.startswith("model")) for text in reads]

    limits = tune_thresholds(_FixedModel(reads), dev)  # type: ignore[arg-type]

    # Above 0.5 precision would be 8 of 9 or 8 of 8, but 2 of 10 urgent reports would be missed.
    assert limits.urgent <= 0.5
