"""The original's deprecated checkout sessions and payment intents, which the installed shop plugins and
SDKs still call: each is a view of one order, and creating one runs the order intake."""
