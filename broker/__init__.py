"""The codemesh broker: MDP routing with capabilities and slots, heartbeats, the job scheduler.

It imports `mesh` only; it meets workers and clients through the protocol and the store.
"""
