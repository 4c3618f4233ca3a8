//! Simulated fleets with planted patterns and their ground truth, for sample data,
//! tests, the evaluation and the benchmark. PLACEHOLDER: the simulator helper fills it in.
