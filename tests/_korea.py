"""The korea-2017 scenario's policies, as the tests that run it expect them."""

#: The seven U.S. policies, in the order of the scenario file.
POLICIES = [
    "sanctions_default",
    "talks",
    "strategic_impatience",
    "strategic_impatience_with_four_steps",
    "four_steps_only",
    "air_campaign",
    "invasion",
]
