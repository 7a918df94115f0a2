#!/usr/bin/env Rscript
# Recompute every stored meta-analysis of this bundle with R's metafor, without Prismatic.
#
#     Rscript reproduce/reproduce.R [BUNDLE_DIR]
#
# Reads data/outcome_data.csv and analysis/analyses.csv, refits every analysis with metafor
# (escalc, rma.uni, rma.mh, rma.peto, confint, predict), overall, per subgroup (with the test
# for subgroup differences) and leaving each study out, compares every number with
# analysis/pooled.csv, prints one line per analysis and exits 1 when any differs beyond the
# conformance tolerances (relative 1e-6 closed forms, 1e-5 REML and Paule-Mandel, 1e-4 the
# Q-profile limits of tau^2). Needs only base R and metafor (Debian: r-cran-metafor).

suppressPackageStartupMessages(library(metafor))

script_dir <- function() {
  file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(file)) dirname(normalizePath(file)) else getwd()
}
args <- commandArgs(TRUE)
root <- if (length(args)) args[1] else dirname(script_dir())
read <- function(path) {
  read.csv(file.path(root, path), colClasses = "character", check.names = FALSE,
           na.strings = character(0), encoding = "UTF-8")
}
num <- function(x) suppressWarnings(ifelse(x == "", NA, as.numeric(x)))

FIELDS <- list(
  continuous = c("n_exp", "mean_exp", "sd_exp", "n_ctrl", "mean_ctrl", "sd_ctrl"),
  dichotomous = c("events_exp", "total_exp", "events_ctrl", "total_ctrl"),
  generic = c("estimate", "se")
)
RATIOS <- c("RR", "OR", "PETO_OR", "HR")
CONTROL <- list(threshold = 1e-12, maxiter = 1000, tol = 1e-14)

column <- function(rows, name) as.numeric(rows[[name]])
double_zero <- function(a, n1, c, n2) (a == 0 & c == 0) | (a == n1 & c == n2)
corrected <- function(a, n1, c, n2, value) {
  add <- ifelse(a == 0 | c == 0 | a == n1 | c == n2, value, 0)
  list(a = a + add, n1 = n1 + 2 * add, c = c + add, n2 = n2 + 2 * add)
}
finite <- function(es) es[is.finite(es$yi) & is.finite(es$vi) & es$vi > 0, ]

# Study effects on the analysis scale, as escalc computes them.
effects <- function(rows, a) {
  m <- a$measure
  if (a$data_type == "continuous") {
    es <- escalc(measure = if (m == "SMD") "SMD" else "MD",
                 m1i = column(rows, "mean_exp"), sd1i = column(rows, "sd_exp"), n1i = column(rows, "n_exp"),
                 m2i = column(rows, "mean_ctrl"), sd2i = column(rows, "sd_ctrl"), n2i = column(rows, "n_ctrl"))
    return(finite(data.frame(yi = as.numeric(es$yi), vi = es$vi)))
  }
  if (a$data_type == "generic") {
    se <- column(rows, "se")
    return(finite(data.frame(yi = column(rows, "estimate"), vi = se^2)))
  }
  drop <- a$exclude_double_zero == "yes" && m != "RD"
  es <- escalc(measure = m, ai = column(rows, "events_exp"), n1i = column(rows, "total_exp"),
               ci = column(rows, "events_ctrl"), n2i = column(rows, "total_ctrl"),
               add = as.numeric(a$zero_cell_correction), to = "only0", drop00 = drop)
  finite(data.frame(yi = as.numeric(es$yi), vi = es$vi))
}

q_numbers <- function(q, df) {
  if (df < 1) return(list(Q = q, Q_df = df))
  list(Q = q, Q_df = df, Q_p = pchisq(q, df, lower.tail = FALSE),
       I2_from_Q = if (q > 0) max(0, (q - df) / q) * 100 else 0, H2_from_Q = q / df)
}

from_fit <- function(fit, k) {
  out <- list(k = k, estimate = as.numeric(fit$beta), se = fit$se, ci_lower = fit$ci.lb,
              ci_upper = fit$ci.ub, statistic = fit$zval, p = fit$pval)
  c(out, q_numbers(fit$QE, k - 1))
}

random_extras <- function(out, fit, es, level, interval = TRUE) {
  out$tau2 <- fit$tau2
  if (nrow(es) > 1) {
    out$I2 <- fit$I2
    out$H2 <- fit$H2
    if (interval) {
      ci <- confint(fit, level = 100 * level,
                    control = list(tau2.max = max(100, 1e4 * var(es$yi)), tol = 1e-12, maxiter = 1000))
      out$tau2_ci_lower <- ci$random["tau^2", "ci.lb"]
      out$tau2_ci_upper <- ci$random["tau^2", "ci.ub"]
    }
  }
  pred <- predict(fit, level = 100 * level)
  out$pi_lower <- pred$pi.lb
  out$pi_upper <- pred$pi.ub
  out
}

inverse_variance <- function(es, a, level) {
  k <- nrow(es)
  if (a$model == "fixed") {
    fit <- rma.uni(yi, vi, data = es, method = "FE", level = 100 * level)
    out <- from_fit(fit, k)
    return(c(out, list(I2 = out$I2_from_Q, H2 = out$H2_from_Q)))
  }
  test <- if (a$hksj == "yes" && k > 1) "knha" else "z"
  method <- if (k > 1) a$tau2_estimator else "FE"
  fit <- rma.uni(yi, vi, data = es, method = method, test = test, level = 100 * level,
                 control = CONTROL)
  fixed <- rma.uni(yi, vi, data = es, method = "FE")
  out <- from_fit(fit, k)
  out[names(q_numbers(fixed$QE, k - 1))] <- q_numbers(fixed$QE, k - 1)
  if (k == 1) {
    fit$tau2 <- 0
    out$tau2 <- 0
    pred <- predict(fit, level = 100 * level)
    return(c(out, list(pi_lower = pred$pi.lb, pi_upper = pred$pi.ub)))
  }
  random_extras(out, fit, es, level)
}

mantel_haenszel <- function(rows, a, level) {
  e1 <- column(rows, "events_exp"); n1 <- column(rows, "total_exp")
  e2 <- column(rows, "events_ctrl"); n2 <- column(rows, "total_ctrl")
  m <- a$measure
  value <- as.numeric(a$zero_cell_correction)
  keep <- if (m == "RD") rep(TRUE, length(e1)) else !double_zero(e1, n1, e2, n2)
  if (a$revman5_zero_cells == "yes") {
    t <- corrected(e1, n1, e2, n2, value)
    e1 <- t$a[keep]; n1 <- t$n1[keep]; e2 <- t$c[keep]; n2 <- t$n2[keep]
    fit <- rma.mh(ai = e1, n1i = n1, ci = e2, n2i = n2, measure = m, add = c(0, 0),
                  to = c("none", "none"), drop00 = c(FALSE, FALSE), level = 100 * level)
    es <- finite(data.frame(yi = as.numeric(fit$yi), vi = fit$vi))
  } else {
    drop <- m != "RD"
    fit <- rma.mh(ai = e1[keep], n1i = n1[keep], ci = e2[keep], n2i = n2[keep], measure = m,
                  add = c(value, 0), to = c("only0", "none"), drop00 = c(drop, FALSE),
                  level = 100 * level)
    es <- finite(data.frame(yi = as.numeric(fit$yi), vi = fit$vi))
  }
  q <- fit$QE
  if (a$model == "fixed") {
    out <- from_fit(fit, sum(keep))
    out[names(q_numbers(q, nrow(es) - 1))] <- q_numbers(q, nrow(es) - 1)
    return(c(out, list(I2 = out$I2_from_Q, H2 = out$H2_from_Q)))
  }
  # RevMan's random effects after MH: DerSimonian-Laird tau^2 from the MH-centred Q
  w <- 1 / es$vi
  tau2 <- max(0, (q - (nrow(es) - 1)) / (sum(w) - sum(w^2) / sum(w)))
  random <- rma.uni(yi, vi, data = es, tau2 = tau2, level = 100 * level)
  out <- from_fit(random, nrow(es))
  out[names(q_numbers(q, nrow(es) - 1))] <- q_numbers(q, nrow(es) - 1)
  random_extras(out, random, es, level, interval = FALSE)
}

peto <- function(rows, level) {
  e1 <- column(rows, "events_exp"); n1 <- column(rows, "total_exp")
  e2 <- column(rows, "events_ctrl"); n2 <- column(rows, "total_ctrl")
  keep <- !double_zero(e1, n1, e2, n2)
  fit <- rma.peto(ai = e1[keep], n1i = n1[keep], ci = e2[keep], n2i = n2[keep], add = 0,
                  to = "none", level = 100 * level)
  out <- from_fit(fit, sum(keep))
  c(out, list(I2 = out$I2_from_Q, H2 = out$H2_from_Q))
}

analyse <- function(rows, a) {
  level <- as.numeric(a$ci_level)
  out <- if (a$pooling == "mantel_haenszel") {
    mantel_haenszel(rows, a, level)
  } else if (a$pooling == "peto") {
    peto(rows, level)
  } else {
    inverse_variance(effects(rows, a), a, level)
  }
  back <- if (a$measure %in% RATIOS || a$pooling == "peto") exp else identity
  out$effect <- back(out$estimate)
  out$effect_ci_lower <- back(out$ci_lower)
  out$effect_ci_upper <- back(out$ci_upper)
  if (a$model == "fixed" || a$prediction_interval != "yes") {
    out$pi_lower <- NULL
    out$pi_upper <- NULL
  } else {
    out$pi_effect_lower <- back(out$pi_lower)
    out$pi_effect_upper <- back(out$pi_upper)
  }
  out
}

usable <- function(a) {
  excluded <- strsplit(a$excluded_study_ids, ";")[[1]]
  rows <- data[data$outcome_id == a$outcome_id & !(data$study_id %in% excluded), ]
  for (name in FIELDS[[a$data_type]]) rows <- rows[rows[[name]] != "", ]
  rows
}

recompute <- function(rows, a) {
  results <- list(list(scope = "overall", subgroup = "", numbers = analyse(rows, a)))
  label <- ifelse(rows$subgroup == "", "Not given", rows$subgroup)
  groups <- unique(label)
  if (a$subgroups == "yes" && length(groups) > 1) {
    fits <- lapply(groups, function(g) analyse(rows[label == g, ], a))
    for (i in seq_along(groups)) {
      numbers <- fits[[i]][!grepl("^pi_", names(fits[[i]]))]
      results[[length(results) + 1]] <- list(scope = "subgroup", subgroup = groups[i], numbers = numbers)
    }
    test <- rma.uni(yi = sapply(fits, `[[`, "estimate"), sei = sapply(fits, `[[`, "se"), method = "FE")
    df <- length(groups) - 1
    results[[1]]$numbers$subgroup_Q <- test$QE
    results[[1]]$numbers$subgroup_df <- df
    results[[1]]$numbers$subgroup_p <- test$QEp
    results[[1]]$numbers$subgroup_I2 <- if (test$QE > 0) max(0, (test$QE - df) / test$QE) * 100 else 0
  }
  if (nrow(rows) > 1) {
    for (i in seq_len(nrow(rows))) {
      fit <- analyse(rows[-i, ], a)
      keep <- c("k", "effect", "effect_ci_lower", "effect_ci_upper", "p", "I2", "tau2")
      results[[length(results) + 1]] <- list(scope = "leave-one-out", subgroup = "", numbers = fit[intersect(keep, names(fit))])
    }
  }
  results
}

COMPARED <- c("k", "estimate", "se", "ci_lower", "ci_upper", "statistic", "p", "effect",
              "effect_ci_lower", "effect_ci_upper", "Q", "Q_df", "Q_p", "I2", "I2_from_Q", "H2",
              "tau2", "tau2_ci_lower", "tau2_ci_upper", "pi_lower", "pi_upper", "pi_effect_lower",
              "pi_effect_upper", "subgroup_Q", "subgroup_df", "subgroup_p", "subgroup_I2")

tolerance <- function(a, field) {
  if (startsWith(field, "tau2_ci")) return(c(1e-4, 1e-8))
  iterative <- a$model == "random" && a$tau2_estimator %in% c("REML", "PM") && a$pooling == "inverse_variance"
  if (iterative) c(1e-5, 1e-8) else c(1e-6, 1e-10)
}

differences <- function(stored, computed, a) {
  found <- character(0)
  for (field in COMPARED) {
    if (!(field %in% names(stored))) next
    expected <- num(stored[[field]])
    if (is.na(expected)) next
    actual <- computed[[field]]
    tol <- tolerance(a, field)
    if (is.null(actual) || !is.finite(actual) || abs(actual - expected) > tol[2] + tol[1] * abs(expected)) {
      found <- c(found, sprintf("%s stored %.10g, recomputed %s", field, expected,
                                if (is.null(actual)) "nothing" else format(actual, digits = 10)))
    }
  }
  found
}

check <- function(a) {
  stored <- pooled[pooled$analysis_id == a$analysis_id, ]
  computed <- recompute(usable(a), a)
  if (nrow(stored) != length(computed)) {
    return(list(ok = FALSE, text = sprintf("%d stored results, %d recomputed", nrow(stored), length(computed))))
  }
  problems <- character(0)
  for (i in seq_along(computed)) {
    where <- trimws(paste(computed[[i]]$scope, computed[[i]]$subgroup))
    if (stored$scope[i] != computed[[i]]$scope || stored$subgroup[i] != computed[[i]]$subgroup) {
      problems <- c(problems, paste0(where, ": stored as ", stored$scope[i], " ", stored$subgroup[i]))
      next
    }
    found <- differences(as.list(stored[i, ]), computed[[i]]$numbers, a)
    if (length(found)) problems <- c(problems, paste0(where, ": ", found))
  }
  main <- computed[[1]]$numbers
  tau2 <- if (is.null(main$tau2)) 0 else main$tau2
  summary <- sprintf("%s %.4g [%.4g, %.4g], tau2 = %.4g, k = %d", a$measure, main$effect,
                     main$effect_ci_lower, main$effect_ci_upper, tau2, as.integer(main$k))
  if (length(problems)) {
    stale <- if (a$up_to_date == "yes") "" else " (the analysis is out of date: its data or settings changed since it ran)"
    return(list(ok = FALSE, text = sprintf("%s; %d differ%s: %s", summary, length(problems), stale,
                                           paste(head(problems, 3), collapse = "; "))))
  }
  list(ok = TRUE, text = sprintf("%s; %d results match", summary, length(computed)))
}

data <- read("data/outcome_data.csv")
pooled <- read("analysis/pooled.csv")
analyses <- read("analysis/analyses.csv")
failed <- 0
for (i in seq_len(nrow(analyses))) {
  a <- as.list(analyses[i, ])
  label <- sprintf("analysis %s (%s)", a$analysis_id, a$name)
  if (a$status != "done") {
    cat(sprintf("SKIP %s: not run (%s)\n", label, a$status))
    next
  }
  result <- tryCatch(check(a), error = function(e) list(ok = FALSE, text = paste("could not be recomputed:", conditionMessage(e))))
  if (!result$ok) failed <- failed + 1
  cat(sprintf("%s %s: %s\n", if (result$ok) "PASS" else "FAIL", label, result$text))
}
cat(sprintf("%d failed (metafor %s)\n", failed, as.character(packageVersion("metafor"))))
quit(status = if (failed) 1 else 0)
