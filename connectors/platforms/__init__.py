"""Platform adapters (server side): one module per platform — verify a webhook, parse its
payload into `EventInput`s, reply, report delivery — behind the `Connector` protocol of
`base.py`; `outbound.py` sends replies through each platform's API."""
