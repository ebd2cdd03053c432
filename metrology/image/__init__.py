"""Image primitives: input validation, Gaussian derivatives, batched profile sampling,
sub-pixel peaks."""

from .filters import (gaussian_derivative_1d, gaussian_derivative_kernel_1d, gaussian_gradient,
                      gaussian_kernel_1d, gaussian_smooth_1d)
from .io import as_gray, check_image, load_image
from .peaks import PeakFit, local_maxima, subpixel_peaks
from .profiles import (Calipers, Profiles, interpolate, ray_calipers, rect_calipers,
                       sample_profiles)

__all__ = ["as_gray", "check_image", "load_image",
           "gaussian_kernel_1d", "gaussian_derivative_kernel_1d", "gaussian_derivative_1d",
           "gaussian_smooth_1d", "gaussian_gradient",
           "PeakFit", "local_maxima", "subpixel_peaks",
           "Calipers", "Profiles", "rect_calipers", "ray_calipers", "sample_profiles",
           "interpolate"]
