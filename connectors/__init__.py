"""Channel connectors: platform payloads in, Threadline `EventInput`s out."""
