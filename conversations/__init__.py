"""The pseudonymous conversation every channel shares: language, channel and source office."""
