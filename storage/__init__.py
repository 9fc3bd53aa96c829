"""Presigned direct uploads: one interface, an R2 backend and a local backend."""
