"""The tuning lab: the logic behind the notebooks people use to tune Sentinel, kept here so it is
tested with plain pytest and the notebooks only call it.

- `explore` (notebooks/01-baselines): baseline bands, detector scores and alarms on a fixture;
- `prompts` (notebooks/02-prompt-variants): prompt variants rendered, costed and run side by side;
- `eval_view` (notebooks/03-eval-report): an eval run's results.json as tables;
- `plots`: the figures of those notebooks, all drawn with the same conventions.

Nothing in the check or run path imports this package.
"""
