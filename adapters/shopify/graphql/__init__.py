"""The GraphQL Admin API dialect (the default): ``adapter``, ``documents``, ``translate``."""
