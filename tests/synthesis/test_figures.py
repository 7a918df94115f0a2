"""Figures drawn from an analysis's stored results."""

from synthesis.figures import _most_influential
from synthesis.plots.robustness import RobustnessLine


def line(label, estimate, group="Leave one out", primary=False):
    return RobustnessLine(
        group=group,
        label=label,
        k=11,
        estimate=estimate,
        ci_lower=estimate / 2,
        ci_upper=estimate * 2,
        is_primary=primary,
    )


def test_past_ten_studies_the_robustness_plot_draws_the_five_most_influential_omissions():
    primary = line("Random effects", 1.0, group="Primary analysis", primary=True)
    # ratio estimates: 0.5 and 2 move the log estimate the same distance
    estimates = [1.01, 0.5, 1.02, 2.0, 0.98, 1.5, 1.03, 0.7, 0.99, 1.3, 1.04, 0.97]
    omissions = [line(f"Without S{i}", e) for i, e in enumerate(estimates)]
    after = line("Odds ratio instead of risk ratio", 1.1, group="Effect measure")
    kept = _most_influential([primary, *omissions, after], log_scale=True)
    drawn = [x.label for x in kept if x.group == "Leave one out" and x.estimate is not None]
    # |log|: S1 0.693, S3 0.693, S5 0.405, S7 0.357, S9 0.262, then S11 0.039
    assert drawn == ["Without S1", "Without S3", "Without S5", "Without S7", "Without S9"]
    note = kept[6]
    assert note.label == "… 7 more in the table" and note.estimate is None
    assert kept[0] is primary and kept[-1] is after


def test_ten_omissions_or_fewer_are_all_drawn():
    lines = [line("Primary", 1.0, group="Primary analysis", primary=True)]
    lines += [line(f"Without S{i}", 1 + i / 100) for i in range(10)]
    assert _most_influential(lines, log_scale=True) == lines
