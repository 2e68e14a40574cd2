"""Talking to LaunchDarkly: the settings that say where and how, the REST client, rate limits."""
