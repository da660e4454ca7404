/*
 * select.h - choosing the best of k systems with a stated probability of
 * correct selection (statistics only: the values come from elsewhere).
 *
 * Kim and Nelson's fully sequential KN procedure, valid under common random
 * numbers: after a first stage of n0 paired observations of every system,
 * one observation of each surviving system at a time; a system is
 * eliminated as soon as its cumulative mean exceeds another's by more than
 * a boundary that shrinks with the stage.  Lower is better.  With
 * indifference zone delta, P(select the best) >= confidence whenever the
 * best is at least delta better than the rest.  The caller may run
 * observations in batches: feeding them here one stage at a time gives
 * exactly the fully sequential decisions, so the result does not depend on
 * the batch size (the batch only decides how many observations are run
 * past the last decision).
 *
 * Also: Rinott's two-stage constant h (by numerical integration), for the
 * count a two-stage procedure would need for the same guarantee, and the
 * multiple comparisons with the best (MCB) intervals of an
 * indifference-zone selection.
 */
#ifndef TWINCAST_SELECT_H
#define TWINCAST_SELECT_H

typedef struct tc_kn tc_kn;

/* k >= 2 systems, n0 >= 2, delta > 0, 0.5 < confidence < 1, max_stage >= n0 (observations per system). */
tc_kn *tc_kn_create(int k, int n0, double delta, double confidence, long max_stage);
void tc_kn_destroy(tc_kn *kn);

/*
 * Feeds the next stage: x[i] is system i's observation with the stage's
 * common random numbers (ignored for systems already eliminated).  From
 * stage n0 on, screens.  Returns the number of systems still alive.
 */
int tc_kn_add(tc_kn *kn, const double *x);
/* Done: one system left, or every boundary closed (the best mean then wins), or max_stage reached. */
int tc_kn_done(const tc_kn *kn);
/* The chosen system (-1 until done); guaranteed: 0 when stopped by max_stage with several alive. */
int tc_kn_selected(const tc_kn *kn, int *guaranteed);
long tc_kn_stage(const tc_kn *kn); /* observations fed so far */
int tc_kn_alive(const tc_kn *kn, int i);
long tc_kn_count(const tc_kn *kn, int i);         /* observations of system i used */
long tc_kn_eliminated_at(const tc_kn *kn, int i); /* the stage at which i was eliminated, 0 if it was not */
double tc_kn_mean(const tc_kn *kn, int i);        /* over its tc_kn_count observations */
double tc_kn_h2(const tc_kn *kn);                 /* the KN boundary constant h^2 */
/* The first stage's sample variance of system i alone (Rinott's S_i^2). */
double tc_kn_first_variance(const tc_kn *kn, int i);
/*
 * The MCB interval for theta_i - min_{l != i} theta_l (lower is better):
 * [-(D - delta)^-, (D + delta)^+], D = mean_i - min_{l != i} mean_l, with
 * each system's mean over the observations it was given.
 */
void tc_kn_mcb(const tc_kn *kn, int i, double *lo, double *hi);

/*
 * Rinott's constant for k systems, first stage n0 and confidence P*: the h
 * with E[ (E[ Phi(h / sqrt((n0-1)(1/X + 1/Y))) | Y ])^(k-1) ] = P*, X and Y
 * independent chi-square(n0-1).  NaN if the integration fails.
 */
double tc_rinott_h(int k, int n0, double confidence);

#endif
