"""Probes: build the models that comparison pages talk about, measure them, check their claims.

specs.py (what to build), architecture.py and quality.py (what to measure), runner.py (one entry
point), verify.py (claims -> verified / refuted / unverified), records.py (the result records),
measure.py and gpu_report.py (command lines that need only torch + transformers + diffusers).
Nothing here imports the graph's libraries; graphdb.repository.probes records the results.
"""
