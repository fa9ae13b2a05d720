"""Every way a reply comes back: tokens, the web reply page, e-mail (IMAP), the CLI."""
