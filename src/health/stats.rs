//! Evidence statistics (beta/binomial bounds, Poisson surprise, EWMA/CUSUM change detection).
//! PLACEHOLDER: the health helper fills this in.
