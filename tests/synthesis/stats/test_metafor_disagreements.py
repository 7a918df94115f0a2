"""The three disagreements an independent check found between the engine and metafor 3.8-1.

Each number below was printed by the R code above it (R 4.2, metafor 3.8-1,
``sprintf("%.15g", ...)``); the engine must give the same through its entry
point, ``synthesis.stats.analyse``.
"""

import json

import numpy as np
import pytest

from synthesis.stats import Method, analyse, studies_from_rows

REL = 1e-9


def _tables(rows, subgroups=None):
    keys = ("events_exp", "total_exp", "events_ctrl", "total_ctrl")
    return studies_from_rows(
        "dichotomous",
        [
            {"label": f"Study {i + 1}", "subgroup": subgroups[i] if subgroups else None}
            | dict(zip(keys, row, strict=True))
            for i, row in enumerate(rows)
        ],
    )


# 1. Begg's test is exact whenever there are no ties, even with 50 studies or more.
#
#   yi <- sin(1:50); vi <- (1:50)/100
#   r <- ranktest(rma(yi, vi, method = "FE")); sprintf("%.15g", c(r$tau, r$pval))
#   "-0.0138775510204082" "0.894098800786246"
#
# (the normal approximation, which the engine used from k = 50, gives 0.886919992330)


def test_begg_is_exact_without_ties_past_fifty_studies():
    i = np.arange(1, 51)
    rows = [
        {"label": str(n), "estimate": float(np.sin(n)), "se": float(np.sqrt(n / 100))} for n in i
    ]
    result = analyse(studies_from_rows("generic", rows), Method("MD", model="fixed"))
    begg = result.small_study.begg
    assert begg.exact
    assert begg.kendall_tau == pytest.approx(-0.0138775510204082, rel=REL)
    assert begg.p == pytest.approx(0.894098800786246, rel=1e-7)


# 2. A study where every participant had the event in both arms stays in the MH RR sums.
#
#   m <- rma.mh(ai = c(10, 5, 7), n1i = c(10, 20, 25), ci = c(8, 10, 12),
#               n2i = c(8, 20, 24), measure = "RR")
#   sprintf("%.15g", c(m$beta, m$se, m$QE)); sprintf("%.15g", weights(m))
#   "-0.405938636082481" "0.185121013214576" "0.621642525583039"
#   "28.5506190823015" "32.1194464675892" "39.3299344501092"


def test_mh_risk_ratio_keeps_an_all_event_study_in_its_sums():
    studies = _tables([(10, 10, 8, 8), (5, 20, 10, 20), (7, 25, 12, 24)])
    result = analyse(studies, Method("RR", pooling="mantel_haenszel", model="fixed"))
    assert result.pooled.estimate == pytest.approx(-0.405938636082481, rel=REL)
    assert result.pooled.se == pytest.approx(0.185121013214576, rel=REL)
    assert result.heterogeneity.Q == pytest.approx(0.621642525583039, rel=REL)
    weights = [row.weight_percent for row in result.studies]
    assert weights == pytest.approx([28.5506190823015, 32.1194464675892, 39.3299344501092])
    # its own log RR stays undefined (escalc's drop00), so it is not among the k pooled
    all_events = result.studies[0]
    assert not all_events.included and all_events.yi is None
    assert all_events.note == "every participant had the event in both arms"
    assert result.pooled.k == 2


# 3. An undefined MH estimate is null with the reason, and the subgroup test uses the others.
#
#   m <- rma.mh(ai = c(0, 0), n1i = c(10, 12), ci = c(3, 4), n2i = c(10, 12), measure = "RR")
#   c(m$beta, m$se)                                   # NA NA
#
#   dat <- data.frame(ai = c(12, 8, 15, 4, 9, 3, 5), n1i = c(50, 40, 60, 30, 45, 20, 25),
#                     ci = c(20, 14, 22, 9, 15, 0, 0), n2i = c(50, 42, 58, 31, 44, 20, 24),
#                     grp = c("A", "A", "A", "B", "B", "C", "C"))
#   fits <- lapply(split(dat, dat$grp), function(d)
#     rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = "OR"))
#   # A: beta -0.676381428358222, se 0.25686350147422
#   # B: beta -0.816932458837181, se 0.394228126013478
#   # C: NA NA (b·c = 0 in both studies)
#   t <- rma.uni(yi = c(fits$A$beta, fits$B$beta), sei = c(fits$A$se, fits$B$se), method = "FE")
#   sprintf("%.15g", c(t$QE, t$QEp))                  # "0.0892279467970227" "0.76516096525598"


def test_no_experimental_events_gives_a_null_mh_risk_ratio_with_its_reason():
    studies = _tables([(0, 10, 3, 10), (0, 12, 4, 12)])
    result = analyse(studies, Method("RR", pooling="mantel_haenszel", model="fixed"))
    assert result.pooled is None and result.heterogeneity is None
    assert result.not_estimable == (
        "no events in the experimental arm of any study: the Mantel-Haenszel risk ratio "
        "is not estimable"
    )
    plain = result.to_dict()
    assert plain["pooled"]["estimate"] is None and plain["heterogeneity"]["Q"] is None
    json.dumps(plain, allow_nan=False)


def test_the_subgroup_test_uses_the_estimable_subgroups():
    rows = [(12, 50, 20, 50), (8, 40, 14, 42), (15, 60, 22, 58), (4, 30, 9, 31)]
    rows += [(9, 45, 15, 44), (3, 20, 0, 20), (5, 25, 0, 24)]
    studies = _tables(rows, subgroups=list("AAABBCC"))
    method = Method("OR", pooling="mantel_haenszel", model="fixed", subgroups=True)
    result = analyse(studies, method)
    a, b, c = result.subgroups
    assert a.fit.pooled.estimate == pytest.approx(-0.676381428358222, rel=REL)
    assert a.fit.pooled.se == pytest.approx(0.25686350147422, rel=REL)
    assert b.fit.pooled.estimate == pytest.approx(-0.816932458837181, rel=REL)
    assert c.fit.pooled is None and "b·c = 0" in c.fit.not_estimable
    test = result.subgroup_differences
    assert test.subgroups == ("A", "B") and test.df == 1
    assert test.Q_between == pytest.approx(0.0892279467970227, rel=REL)
    assert test.p == pytest.approx(0.76516096525598, rel=REL)
    assert test.note == "Not tested: C (not estimable)."
    json.dumps(result.to_dict(), allow_nan=False)  # no NaN or infinity anywhere
