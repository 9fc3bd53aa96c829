"""Pure domain rules: what a pseudo, a grade, a logbook field or a text may be.

No I/O and nothing of the app above: importable by workflows, models, tools and the
bench alike. A rule that refuses raises `rules.errors.InvalidInput`, which the GraphQL
layer shows as `BAD_USER_INPUT` with the field it names.
"""
