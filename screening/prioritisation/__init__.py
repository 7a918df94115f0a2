"""Prioritised screening: the ranking model, its retraining schedule, the stopping rule.

Pure Python (numpy, scipy, scikit-learn), no Django: the app's tasks and the
``python -m screening.simulate`` command call the same functions.
"""
