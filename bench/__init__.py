"""`make bench`: the API against a hand-written endpoint on the same data (issue 8)."""
