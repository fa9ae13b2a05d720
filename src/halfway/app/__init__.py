"""The private app under `/`: what a person does from the phone, through the same
functions as the CLI (one rule, two doors). The private link opens a session
(`session`); each page is a plain HTML form, no script needed.
"""
