"""The merchant dashboard under `/dashboard`: server-rendered pages (Jinja2, htmx) that call the same
services as the API, for the signed-in user's organization in the mode of the URL (`/dashboard/live/…`,
`/dashboard/test/…`)."""
