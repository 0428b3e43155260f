"""Which packages the wheel carries: found, never listed by hand.

A hand-kept list once left `service.store` out of every installed Rota (an editable checkout
hid it). Every package under scheduling/, mail/ and service/ is found automatically; the two
resource packages map the top-level config/ and templates/ folders into the wheel (see
pyproject's package-dir), which automatic discovery cannot see on its own.
"""

from setuptools import find_packages, setup

RESOURCES = ["service.resources.config", "service.resources.templates"]

setup(
    packages=[
        *find_packages(
            include=["scheduling", "scheduling.*", "mail", "mail.*", "service", "service.*"]
        ),
        *RESOURCES,
    ]
)
