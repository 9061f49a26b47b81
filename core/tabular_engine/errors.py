"""One error hierarchy for everything a user can get wrong.

Every failure a user can fix is a :class:`TabularEngineError`. Its message names the
table, column, parameter or file at fault and says what to do; the CLI prints that
message on one line and exits with status 2. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations


class TabularEngineError(Exception):
    """Base class of every user-facing error."""


class InputError(TabularEngineError):
    """An input file or data frame cannot be used as given."""


class MetadataError(TabularEngineError):
    """Metadata is malformed or does not match the data."""


class ParameterError(TabularEngineError):
    """A generator parameter or a command option is unknown or has an invalid value."""


class UnknownGeneratorError(TabularEngineError):
    """No installed plugin provides the requested generator."""


class PluginLoadError(TabularEngineError):
    """The plugin that provides a generator failed to load."""


class PluginConflictError(TabularEngineError):
    """Two plugins register the same generator name."""


class ModelFileError(TabularEngineError):
    """A saved model file cannot be trusted or understood."""


class OutputError(TabularEngineError):
    """An output cannot be written where it was asked for."""


class BudgetError(TabularEngineError):
    """A privacy budget could not be reserved, committed or released."""


class BudgetExceededError(BudgetError):
    """The tenant has less privacy budget left than the job asks for."""


class ExecutorError(TabularEngineError):
    """A distributed executor (a Dask cluster) cannot be reached or lost its workers."""


class PipelineError(TabularEngineError):
    """A pipeline is built wrongly (steps in an impossible order, a bad step) or a step failed."""


class ConfigError(TabularEngineError):
    """A pipeline config file has a mistake: the message names the file, the key and what fits."""


class ValidationFailedError(TabularEngineError):
    """A validate step found failed checks (and was asked to stop the run on them)."""


class EnforceError(TabularEngineError):
    """Synthetic data could not be made to satisfy its schema within the allowed tries."""
