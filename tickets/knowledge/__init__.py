"""The knowledge base: categories, sections and Markdown articles (draft/published, public/internal),
with versions, full-text search, view counts and helpful votes. Its own Django app (label
`knowledge`) below the rest of `tickets`: it imports only the lower layers (agents, config), never
`tickets`' other modules (an import-linter contract); the portal and the agents' composer use it."""
