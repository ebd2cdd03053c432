"""Image primitives: input validation, Gaussian derivatives, pyramids, profile sampling."""

from .io import as_gray, check_image, load_image

__all__ = ["as_gray", "check_image", "load_image"]
