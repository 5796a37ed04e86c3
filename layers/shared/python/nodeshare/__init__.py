"""nodeshare: share IoT devices and control who may use them.

Dependencies point one way: handler (functions/) -> domain -> store.
"""
