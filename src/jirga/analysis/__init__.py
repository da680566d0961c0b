"""Analysis on top of the models: Monte Carlo uncertainty, sensitivity, what-if patches, hindcasts.

- :mod:`jirga.analysis.perturb`: the uncertain inputs of a scenario and perturbed problems.
- :mod:`jirga.analysis.montecarlo`: many perturbed forecasts and their spread.
- :mod:`jirga.analysis.sensitivity`: one-at-a-time swings and Sobol' indices.
- :mod:`jirga.analysis.whatif`: YAML patches that change a scenario, compared side by side.
- :mod:`jirga.analysis.parallel`: local processes or a Dask cluster, same numbers either way.
- :mod:`jirga.analysis.hindcast`: forecasts as of past dates scored against outcomes.
"""
