"""Bargaining models, all behind one protocol (:class:`jirga.models.base.Model`).

``MODELS`` maps each model's name to its class; ``make_model(name, **parameters)`` builds one.
"""

from __future__ import annotations

from typing import Any

from jirga.errors import JirgaError
from jirga.models.base import Model, Problem, Trajectory, parameters
from jirga.models.baseline import Compromise, WeightedMedian
from jirga.models.eum import ExpectedUtility
from jirga.models.exchange import ExchangeModel
from jirga.models.smp import SpatialModel

MODELS: dict[str, type] = {
    Compromise.name: Compromise,
    WeightedMedian.name: WeightedMedian,
    ExpectedUtility.name: ExpectedUtility,
    ExchangeModel.name: ExchangeModel,
    SpatialModel.name: SpatialModel,
}


def make_model(name: str, **params: Any) -> Model:
    """The model called ``name`` with the given parameters (the others at their defaults)."""
    try:
        model_class = MODELS[name]
    except KeyError:
        raise JirgaError(f"unknown model {name!r} (known: {', '.join(MODELS)})", field="model") from None
    try:
        return model_class(**params)
    except TypeError as error:
        raise JirgaError(f"bad parameters for model {name!r}: {error}", field="model") from None


__all__ = ["MODELS", "Model", "Problem", "Trajectory", "make_model", "parameters"]
