"""The codemesh worker: MDP worker loop, task execution, analysis in child processes.

It imports `mesh` only; it meets brokers and clients through the protocol and the store.
"""
