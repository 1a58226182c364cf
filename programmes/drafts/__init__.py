"""Public comment on draft regulations: sections, comments, moderation, review, publication."""


def register(engine) -> None:
    """The review shows the comments and refuses to end while one awaits moderation; the
    publication keeps its summary; the draft is published in the step that ends the instance."""
    from programmes.drafts import review
    engine.hooks.completion_checks[review.REVIEW_FORM] = review.check_review
    engine.hooks.shown_data[review.REVIEW_FORM] = review.review_data
    engine.hooks.shown_data[review.PUBLICATION_FORM] = review.publication_data
    engine.hooks.instance_completed[review.PROCESS_KEY] = review.mark_published
