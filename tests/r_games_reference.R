# Reference values from the R package games 1.1.2 (Kenkel and Signorino), written as the Python
# module tests/_r_games_reference.py. Run from the repository's top folder with R and games
# installed:  Rscript tests/r_games_reference.R > tests/_r_games_reference.py
#
# Each model is fitted twice: with the call as written (maxLik's BFGS, default tolerance) and with
# reltol = 1e-15 added, which lets BFGS run to the maximum; the coefficients and standard errors
# stored are those of the second fit (the maximum itself, which escalade reaches by Newton's
# method), the log-likelihood of both.
suppressMessages(library(games))
data(war1800); data(leblang2003); data(data_122); data(data_123); data(data_ult); data(student_offers)
calls <- c(
  war1800_probit = 'egame12(esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2, data = war1800)',
  war1800_logit = 'egame12(esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2, data = war1800, link = "logit")',
  war1800_private = 'egame12(esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2, data = war1800, type = "private")',
  war1800_fixed = 'egame12(esc + war ~ 1, data = war1800, fixedUtils = c(-1, 0, -1.4, 0.1))',
  war1800_fixed_by_player = 'egame12(esc + war ~ 1, data = war1800, fixedUtils = c(-1, 0, -1.4, 0.1), sdByPlayer = TRUE)',
  war1800_sdformula = 'egame12(esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2, data = war1800, sdformula = ~ balanc - 1)',
  leblang2003_private = 'egame12(outcome ~ capcont + lreserves + overval + creditgrow + USinterest + service + contagion + prioratt - 1 | 1 | 1 | unifgov + lexports + preelec + postelec + rightgov + realinterest + capcont + lreserves, data = leblang2003, link = "probit", type = "private")',
  data_122 = 'egame122(y ~ x1 + x2 | x3 + f1 | 0 | x4 + x5 | z1 + z2 | z3 + f2, data = data_122)',
  data_122_logit = 'egame122(y ~ x1 + x2 | x3 + f1 | 0 | x4 + x5 | z1 + z2 | z3 + f2, data = data_122, link = "logit")',
  data_123_private = 'egame123(y ~ x1 + x2 | 0 | x3 | x4 + x5 | 0 | x6 | x7 | x8, data = data_123, link = "probit", type = "private")',
  data_123_agent = 'egame123(y ~ x1 + x2 | 0 | x3 | x4 + x5 | 0 | x6 | x7 | x8, data = data_123)',
  data_ult = 'ultimatum(offer + accept ~ x1 + x2 + x3 + x4 + w1 + w2 | z1 + z2 + z3 + z4 + w1 + w2, data = data_ult, maxOffer = 15)',
  data_ult_offer = 'ultimatum(offer ~ x1 + x2 + x3 + x4 + w1 + w2 | z1 + z2 + z3 + z4 + w1 + w2, data = data_ult, maxOffer = 15, outcome = "offer")',
  data_ult_fixed = 'ultimatum(offer + accept ~ x1 + x2 + x3 + x4 + w1 + w2 | z1 + z2 + z3 + z4 + w1 + w2, data = data_ult, maxOffer = 15, s1 = 5, s2 = 1)'
)
# games computes standard errors from maxLik's numerical Hessian; when it has no analytic gradient
# (fixedUtils, sdformula) that Hessian comes from function values with a tiny step and is off by
# percents. For those models the standard errors are also computed from a central-difference
# Hessian of games' own log-likelihood (games:::logLik12) with a step of 1e-4 ("se_accurate").
no_gradient <- c("war1800_fixed", "war1800_fixed_by_player", "war1800_sdformula")
accurate_se <- function(m) {
  regr <- lapply(seq_len(length(m$formulas)[2]), function(i) model.matrix(m$formulas, data = m$model, rhs = i))
  y <- as.numeric(m$y)
  f <- function(b) sum(games:::logLik12(b, y = y, regr = regr, link = m$link, type = m$type))
  b0 <- m$coefficients
  free <- which(!m$fixed)
  h <- 1e-4
  H <- matrix(0, length(free), length(free))
  for (i in seq_along(free)) for (j in seq_along(free)) {
    e <- function(k, s) { v <- rep(0, length(b0)); v[free[k]] <- s; v }
    H[i, j] <- (f(b0 + e(i, h) + e(j, h)) - f(b0 + e(i, h) - e(j, h)) - f(b0 - e(i, h) + e(j, h)) + f(b0 - e(i, h) - e(j, h))) / (4 * h * h)
  }
  se <- rep(NA, length(b0))
  se[free] <- sqrt(diag(solve(-H)))
  se
}
num <- function(x) ifelse(is.na(x), "float('nan')", format(x, digits = 15))
tight <- function(call) sub(")$", ", reltol = 1e-15)", call)
fits <- list()
cat('"""Reference values from the R package games 1.1.2, made by tests/r_games_reference.R.\n\n')
cat('Each entry: the R call; the log-likelihood of that call as written ("loglik_default") and\n')
cat('with reltol = 1e-15 ("loglik"); the number of observations; and, from the tight fit, each\n')
cat('coefficient with its standard error (inverse of maxLik\'s Hessian), in R\'s order; for the\n')
cat('models games fits without an analytic gradient, "se_accurate" holds standard errors from a\n')
cat('central-difference Hessian (step 1e-4) of games\' own log-likelihood at the same coefficients.\n"""\n\n')
cat("# ruff: noqa: E501\n\nR_GAMES = {\n")
for (nm in names(calls)) {
  m0 <- suppressWarnings(eval(parse(text = calls[[nm]])))
  m <- suppressWarnings(eval(parse(text = tight(calls[[nm]]))))
  fits[[nm]] <- m
  se <- sqrt(diag(m$vcov))
  cat(sprintf('    "%s": {\n        "call": %s,\n', nm, deparse(calls[[nm]])))
  cat(sprintf('        "loglik_default": %s,\n        "loglik": %s,\n        "nobs": %d,\n',
              num(sum(m0$log.likelihood)), num(sum(m$log.likelihood)), nrow(m$model)))
  if (nm %in% no_gradient) {
    acc <- accurate_se(m)
    cat('        "se_accurate": [', paste(num(acc[!m$fixed]), collapse = ", "), '],\n', sep = "")
  }
  cat('        "coef": [\n')
  for (i in seq_along(m$coefficients)) {
    if (m$fixed[i]) next
    cat(sprintf('            (%s, %s, %s),\n', deparse(names(m$coefficients)[i]), num(m$coefficients[i]), num(se[i])))
  }
  cat('        ],\n    },\n')
}
cat("}\n\n")
# non-nested tests between two fits of the same outcomes
v <- vuong(fits$war1800_probit, fits$war1800_private)
cl <- clarke(fits$war1800_probit, fits$war1800_private)
cat("# vuong(m1, m2) and clarke(m1, m2) with m1, m2 the tight war1800_probit and war1800_private fits\n")
cat(sprintf("VUONG_PROBIT_VS_PRIVATE = %s\nCLARKE_PROBIT_VS_PRIVATE = %d\n\n", num(v$stat), as.integer(cl$stat)))
# predicted outcome probabilities of the first five observations
pp <- predict(fits$war1800_probit)[1:5, ]
cat("# predict(m1)[1:5, ] for the tight war1800_probit fit: Pr(sq), Pr(capit), Pr(war)\nPREDICT_WAR1800_PROBIT = [\n")
for (i in 1:5) cat(sprintf("    (%s, %s, %s),\n", num(pp[i, 1]), num(pp[i, 2]), num(pp[i, 3])))
cat("]\n\n")
# student_offers: the example's fit stops at a non-global maximum; refitting from its profile finds a better one
m1 <- ultimatum(offer + accept ~ gender1 | gender2, maxOffer = 100, data = student_offers, s2 = 1)
invisible(capture.output(p1 <- suppressWarnings(profile(m1))))  # profile prints a progress bar
m2 <- ultimatum(offer + accept ~ gender1 | gender2, maxOffer = 100, data = student_offers, s2 = 1, profile = p1)
cat("# ultimatum(offer + accept ~ gender1 | gender2, maxOffer = 100, data = student_offers, s2 = 1):\n")
cat("# the log-likelihood as fitted, and after refitting from profile(m1) (the example of profile.game)\n")
cat(sprintf("STUDENT_OFFERS_LOGLIK = %s\nSTUDENT_OFFERS_REFIT_LOGLIK = %s\n", num(sum(m1$log.likelihood)), num(sum(m2$log.likelihood))))
cat("STUDENT_OFFERS_REFIT_COEF = [\n")
for (i in seq_along(m2$coefficients)) if (!m2$fixed[i]) cat(sprintf("    (%s, %s),\n", deparse(names(m2$coefficients)[i]), num(m2$coefficients[i])))
cat("]\n")
