"""The korea-2017 scenario's policies, as the tests that run it expect them."""

#: The eight U.S. policies, in the order of the scenario file.
POLICIES = [
    "sanctions_default",
    "talks",
    "strategic_impatience",
    "unannounced_strikes",
    "four_steps_with_talks",
    "strategic_impatience_with_four_steps",
    "air_campaign",
    "invasion",
]
