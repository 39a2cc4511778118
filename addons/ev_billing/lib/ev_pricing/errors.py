"""Errors of the pricing engine (all subclasses of ``ValueError``)."""


class PricingError(ValueError):
    """Base class of every error raised by the engine."""


class TariffValidationError(PricingError):
    """The tariff (or a window, tax or multiplier) is invalid."""


class SessionDataError(PricingError):
    """The session data (datetimes, samples, time zone) is invalid."""
