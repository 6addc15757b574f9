"""Benchmarks: a synthetic portfolio generator and the obligation-materialisation timer."""
