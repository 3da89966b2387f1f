"""Reports that come in by other ways than the portal's form: e-mail (mail.py, polled over
IMAP) and WeCom (wecom.py, the self-built app's callback). Each is an adapter: it parses,
authenticates, maps the sender to a person and calls the same filing service as the form;
what it cannot map goes to the dispatcher's triage list, never to the floor."""
