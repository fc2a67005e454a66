"""The GraphQL Admin API dialect (the default): ``adapter`` (orders and refunds) with its
operation groups ``returns`` and ``fulfillments`` on ``plumbing``; ``documents`` (every document
sent, with its cost); ``translate`` (GraphQL JSON <-> canonical)."""
