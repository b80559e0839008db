"""Evaluation without downloads: a domain classifier ganzoo trains itself for image data, mode coverage for
2-D mixtures. :func:`evaluate` picks the metrics that fit a model; see ``docs/evaluation.md``."""

from ganzoo.metrics.evaluate import DESCRIPTIONS, EvalResult, evaluate

__all__ = ["DESCRIPTIONS", "EvalResult", "evaluate"]
