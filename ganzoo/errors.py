"""Errors that reach users as one clear line (the CLI prints them without a traceback)."""


class GanzooError(Exception):
    """Base class: a user-facing problem whose message says what was wrong and what to do."""


class ConfigError(GanzooError, ValueError):
    """A combination or a setting that cannot run."""


class UnknownComponentError(GanzooError, LookupError):
    """No component of that name (and kind); the message suggests the closest names."""


class DataError(GanzooError, RuntimeError):
    """Data that cannot be found or read; the message says where it looked and how to fix it."""


class ModelLoadError(GanzooError, RuntimeError):
    """A model folder or Hub repo that cannot be loaded safely (missing config, bad weights, missing plugin)."""


class TrainingError(GanzooError, RuntimeError):
    """Training stopped: diverged (NaN/inf loss) or could not write its outputs."""
