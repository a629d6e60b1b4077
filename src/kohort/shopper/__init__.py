"""Server-rendered pages for shoppers: the group page, the invite view and the withdrawal page."""
