"""Exact blur-curvature correction of edges located by the erf edge fit.

A blurred curved edge appears displaced towards its centre of curvature: the blur averages
the edge along its tangent, where a convex edge bends away.  For a disk of radius ``R`` imaged
with a straight-edge blur ``s`` (Gaussian optics ``sigma_o`` and the pixel box: ``s^2 =
sigma_o^2 + 1/12``) the erf fit of :func:`metrology.caliper.edges.detect_edges` places the edge
at ``R + delta`` with, to first order, ``delta = -s^2 / (2R)``.  That first order is 2 - 3 %
off at ``s / R = 0.3`` and 20 - 30 % at 0.5 (``delta / s`` peaks near ``s / R = 0.4``), and the
blur the fit reports on such an edge is itself up to 3 % above ``s``.

This module takes ``delta`` and the reported blur from a table made by running the library's
own edge fit on exact, noise-free radial profiles of blurred disks (:func:`blurred_disk`
averaged over the pixel box), sampled as :func:`metrology.caliper.find_circle` samples its ray
calipers (``scripts/make_curvature_table.py``).  The table spans radii >= 4.5 px and
straight-edge blurs 0.3 .. 3.3 px on a uniform grid of ``u = 1/R`` and ``s``; it stores ``q =
delta / (-s^2 / (2R))`` (-> 1 as ``s / R`` -> 0; 0.96 .. 1.006 for nearly sharp optics, where
the square pixel box dominates) and ``h = sigma_fit / s``, both interpolated by cubic B-splines.
:func:`radius_from_edge` inverts ``(R, s) -> (R_meas, sigma_fit)`` by fixed-point iteration,
:func:`edge_from_radius` is the forward map, :func:`edge_shift` the per-point form.

Geometry, not polarity, decides the sign: a bright disk, a dark disk and a hole in bright
material all measure smaller than they are (the edge moves towards the centre of curvature),
whichever way the calipers run.  On a concave stretch of a contour the centre of curvature is
outside the shape and the edge moves outwards: :func:`edge_shift` takes signed curvatures.

Domain: true ``R >= 4.5`` px, ``s / R <= 0.5``, ``s <= 3.3`` px (:func:`in_domain`).  Beyond
``s / R = 0.5`` the shift stops growing with the blur and the measured pair pins the true
radius poorly.  Out-of-domain inputs raise :class:`~metrology.errors.InputError` by default;
``out_of_domain="clip"`` evaluates q and h at the nearest domain point (a continuous extension
that still scales as ``s^2 / R``) and ``"nan"`` returns NaN there.

Accuracy.  Against the same fit on exact profiles the inversion is within 0.001 px (0.002 px
at ``R < 6``, ``s / R > 0.4``).  What the table cannot know is the caliper layout: below R ~ 7 px
the profiles end near the disk centre, and where (it follows the caliper's nominal radius)
moves the fitted blur by up to +-1.5 % and the shift by +-0.002 px at ``s = 2`` px; the table
averages over nominal radii within +-0.5 px of the true one.  The fitted blur then carries the
larger error (``d(delta) / d(s) = 2 delta / s``): at R = 5, ``s = 2`` it costs up to 0.01 px,
where the straight-edge blur (``blur="straight"``: the same optics' ``edge_blur_px`` from
:func:`metrology.caliper.find_line`, or ``blur="optics"`` with a known PSF) keeps 0.003 px.

The edge fit refits with a shading term when a score test finds the step height changing
across its window; a small blurred circle's curvature alone triggers it (for every edge on
noise-free renders, now and then on noisy images: the RMS test over >= 8 edges), and that moves
the edge by up to 0.03 px at R = 6, ``s = 2``.  ``shading`` (0 .. 1: the fraction of edges
fitted with that term) selects the matching table.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage
from scipy.special import ndtr, roots_legendre

from ..core.checks import check_choice
from ..errors import InputError

__all__ = ["radius_from_edge", "edge_from_radius", "edge_shift", "in_domain", "blurred_disk",
           "MAX_BLUR_RATIO", "MIN_RADIUS_PX", "MAX_BLUR_PX", "BLUR_KINDS"]

#: largest ``s / R`` (straight-edge total blur over true radius) the table covers
MAX_BLUR_RATIO = 0.5
#: smallest true radius (px) the table covers
MIN_RADIUS_PX = 4.5
#: largest straight-edge total blur (px) the table covers
MAX_BLUR_PX = 3.3
#: what ``blur_px`` is: the blur the erf fit reported on this curved edge ("fit", e.g.
#: ``CircleResult.edge_blur_px``), the total blur of a straight edge of the same optics
#: ("straight": ``sqrt(sigma_o^2 + 1/12)``, what the fit reports on a straight edge), or the
#: optical PSF sigma alone ("optics"; the pixel box is added)
BLUR_KINDS = ("fit", "straight", "optics")
_OUT = ("raise", "clip", "nan")
_BOX_VAR = 1.0 / 12.0
_ITERATIONS = 40
_T, _W = roots_legendre(48)


def blurred_disk(rho, radius: float, sigma: float) -> np.ndarray:
    """A unit disk of ``radius`` blurred by an isotropic Gaussian ``sigma``, at distance ``rho``
    from its centre (the Rice CDF ``P(|rho e + sigma z| < R)``, ``z`` 2-D standard normal).

    Integrated over the tangential component ``z2`` with ``sigma z2 = R sin t`` (48-point
    Gauss-Legendre in ``t``, |z2| < 9): exact to ~1e-15 for ``R / sigma`` >= 0.5.
    """
    rho = np.asarray(rho, dtype=np.float64)[..., None]
    a = math.asin(min(1.0, 9.0 * sigma / radius))
    t, w = a * _T, a * _W
    z2 = (radius / sigma) * np.sin(t)
    wt = w * np.exp(-0.5 * z2 * z2) / math.sqrt(2.0 * math.pi) * (radius / sigma) * np.cos(t)
    half = radius * np.cos(t)
    return ((ndtr((half - rho) / sigma) - ndtr((-half - rho) / sigma)) * wt).sum(-1)


def _table(text: str) -> np.ndarray:
    """A generated (u, s) table: integers ``(value - 1) * 1e5``, row-major."""
    return 1.0 + np.array(text.split(), dtype=np.float64).reshape(_N_U, _S_RANGE[2]) * 1e-5


# --- BEGIN GENERATED TABLE (scripts/make_curvature_table.py; do not edit) ---
_U_MAX = 1.0 / 4.5        # u = 1 / R: _N_U nodes on [0, _U_MAX]
_N_U = 41
_S_RANGE = (0.3, 3.3, 31)   # straight-edge total blur: nodes on [min, max]
# (u, s) tables, row-major; entries (value - 1) * 1e5
_Q_PLAIN = _table("""
    -3744 27 644 451 266 161 100 66 45 32 23 17 13 10 8 6 5 4 3 3 3 2 2 2 1 1 1 1 1 1 1 -3759 28
    644 451 265 159 100 67 46 34 26 20 17 14 13 12 11 11 11 11 11 12 12 13 13 14 14 15 16 17 18
    -3767 29 645 453 266 161 104 71 52 41 34 30 28 27 27 28 29 31 33 35 38 40 43 46 49 52 55 58
    62 65 69 -3769 31 647 456 270 166 110 80 63 53 48 47 47 49 51 55 59 64 70 75 81 88 94 101
    108 115 123 130 138 146 154 -3769 34 650 460 276 174 120 91 77 70 68 70 73 79 85 93 102 111
    121 132 143 154 166 179 191 204 218 231 245 260 274 -3769 37 654 466 283 183 132 107 95 92
    94 100 108 118 129 142 156 171 188 205 222 241 259 279 299 319 340 362 384 407 430 -3767 41
    660 473 293 195 147 125 118 119 126 136 149 165 183 202 223 245 269 294 320 346 374 402 431
    461 492 523 555 588 621 -3766 45 666 481 304 210 165 148 145 151 163 179 199 221 246 273 302
    333 366 400 436 472 510 548 588 629 671 714 758 803 849 -3764 50 673 491 316 226 186 173 176
    188 206 229 256 287 320 356 394 435 478 521 567 614 662 712 764 817 871 926 983 1040 1098
    -3761 56 681 502 331 245 210 202 211 229 255 286 322 361 404 449 497 547 599 654 710 768 828
    890 954 1018 1084 1151 1219 1287 1355 -3759 63 690 514 347 266 236 235 250 276 310 350 395
    444 496 552 610 671 735 801 870 941 1014 1088 1164 1241 1320 1398 1477 1556 1634 -3756 70
    700 528 365 289 266 271 294 328 371 420 476 536 599 665 736 809 886 966 1048 1133 1220 1309
    1399 1490 1581 1673 1763 1852 1939 -3752 78 711 542 384 314 298 311 342 385 438 498 563 633
    708 787 870 956 1046 1140 1236 1334 1434 1535 1637 1739 1839 1938 2033 2123 2207 -3748 86
    724 558 406 342 333 354 394 447 510 580 657 739 826 918 1014 1115 1219 1326 1436 1547 1660
    1773 1886 1996 2102 2202 2294 2375 2443 -3744 95 737 576 429 372 371 401 451 513 586 667 755
    850 949 1054 1164 1278 1394 1514 1635 1757 1878 1996 2110 2217 2314 2398 2465 2510 2527
    -3740 105 751 594 454 404 411 451 510 583 666 759 859 965 1078 1195 1317 1442 1570 1699 1827
    1953 2075 2188 2291 2378 2445 2486 2496 2467 2392 -3735 116 766 614 480 439 455 504 573 656
    751 856 968 1088 1213 1343 1477 1613 1750 1886 2017 2142 2255 2353 2429 2477 2490 2459 2377
    2232 2017 -3730 127 782 636 509 476 501 559 638 733 840 957 1081 1213 1350 1492 1635 1779
    1920 2055 2180 2290 2379 2438 2461 2439 2360 2215 1993 1683 1274 -3725 139 798 659 540 515
    549 617 707 813 932 1061 1197 1341 1489 1639 1789 1935 2074 2200 2306 2386 2429 2428 2369
    2241 2033 1730 1322 795 140 -3719 152 816 683 573 557 600 678 780 898 1029 1170 1320 1474
    1632 1790 1944 2088 2217 2322 2395 2425 2400 2307 2132 1860 1478 970 325 -470 -1426 -3713
    165 839 712 608 600 653 742 854 984 1126 1279 1438 1601 1764 1923 2071 2202 2306 2373 2390
    2344 2219 2000 1669 1212 611 -145 -1071 -2177 -3478 -3707 178 862 741 645 645 708 808 933
    1075 1230 1394 1564 1734 1901 2058 2195 2303 2369 2380 2319 2170 1913 1531 1005 318 -547
    -1601 -2859 -4333 -6022 -3700 193 884 771 683 692 765 876 1012 1165 1330 1503 1679 1852 2014
    2158 2270 2338 2346 2276 2109 1824 1400 817 55 -902 -2070 -3460 -5084 -6952 -9059 -3690 205
    911 805 723 741 824 946 1093 1257 1432 1612 1791 1960 2111 2229 2300 2308 2232 2053 1749
    1294 671 -143 -1167 -2423 -3916 -5662 -7673 -9942 -12470 -3683 221 935 837 764 792 886 1019
    1178 1354 1538 1725 1905 2068 2199 2283 2302 2234 2056 1745 1276 623 -236 -1323 -2662 -4262
    -6138 -8298 -10745 -13469 -16460 -3676 238 961 872 807 843 948 1092 1260 1443 1633 1820 1992
    2136 2235 2270 2218 2054 1750 1279 612 -274 -1405 -2801 -4485 -6462 -8744 -11333 -14220
    -17392 -20831 -3679 252 992 909 851 897 1011 1166 1344 1535 1728 1911 2070 2186 2240 2206
    2060 1773 1315 657 -231 -1374 -2798 -4529 -6568 -8936 -11630 -14642 -17960 -21561 -25416
    -3655 268 1019 945 896 953 1079 1246 1435 1635 1832 2011 2154 2239 2240 2128 1875 1446 810
    -72 -1222 -2672 -4447 -6569 -9037 -11859 -15026 -18513 -22305 -26364 -30651 -3647 288 1048
    984 943 1008 1143 1317 1511 1709 1895 2051 2154 2179 2098 1880 1489 892 55 -1060 -2477 -4228
    -6339 -8815 -11664 -14882 -18442 -22328 -26501 -30918 -35534 -3638 307 1078 1023 991 1065
    1210 1392 1590 1787 1964 2097 2161 2128 1962 1628 1085 296 -775 -2166 -3902 -6013 -8519
    -11420 -14716 -18388 -22392 -26714 -31297 -36089 -41038 -3665 323 1112 1065 1040 1124 1278
    1468 1671 1864 2026 2129 2143 2032 1761 1287 569 -434 -1763 -3449 -5525 -8014 -10926 -14258
    -17994 -22104 -26547 -31225 -36173 -41287 -46510 -3613 337 1144 1107 1091 1184 1347 1544
    1747 1932 2070 2129 2073 1868 1472 842 -67 -1300 -2892 -4890 -7318 -10195 -13492 -17249
    -21412 -25939 -30774 -35856 -41121 -46502 -51938 -3603 359 1177 1150 1142 1244 1415 1616
    1815 1982 2082 2082 1942 1624 1088 289 -823 -2296 -4169 -6491 -9282 -12524 -16255 -20426
    -24995 -29905 -35090 -40479 -46000 -51585 -57171 -3593 382 1210 1192 1195 1308 1490 1698
    1898 2053 2125 2073 1855 1426 737 -260 -1624 -3406 -5643 -8381 -11631 -15353 -19577 -24234
    -29262 -34590 -40140 -45834 -51596 -57356 -63116 -3583 406 1247 1239 1246 1361 1538 1732
    1903 2014 2027 1896 1570 999 131 -1082 -2696 -4759 -7321 -10410 -14035 -18140 -22752 -27784
    -33163 -38805 -44626 -50541 -56472 -62416 -68178 -3611 419 1280 1287 1299 1415 1590 1771
    1914 1979 1921 1695 1246 524 -525 -1950 -3812 -6158 -9041 -12480 -16473 -20949 -25930 -31311
    -37006 -42923 -48970 -55132 -61186 -67133 -72919 -3619 441 1322 1335 1354 1478 1658 1836
    1963 1992 1876 1564 996 114 -1140 -2826 -5006 -7724 -11026 -14918 -19379 -24361 -29732
    -35511 -41552 -47827 -54093 -60332 -66470 -72518 -78272 -3575 451 1360 1383 1409 1542 1725
    1896 1999 1983 1797 1387 686 -373 -1855 -3827 -6352 -9464 -13201 -17551 -22472 -27896 -33731
    -39873 -46212 -52641 -59064 -65396 -71645 -77591 -83274 -3526 472 1397 1432 1462 1593 1762
    1900 1942 1836 1541 1006 165 -967 -2625 -4820 -7615 -11051 -14956 -19663 -24938 -30694
    -36824 -43211 -49742 -56481 -62983 -69343 -75649 -81540 -87134 -3514 500 1437 1481 1519 1652
    1816 1930 1928 1757 1378 739 -237 -1553 -3454 -5961 -9131 -12817 -17346 -22505 -28211 -34354
    -40813 -47462 -54360 -61041 -67595 -74105 -80196 -86129 -91586 -3502 528 1477 1531 1575 1710
    1863 1948 1894 1648 1171 408 -727 -2256 -4432 -7279 -10845 -14967 -19943 -25537 -31641
    -38128 -44864 -51899 -58749 -65492 -72210 -78506 -84646 -90298 -95727
""")
_Q_SHADING = _table("""
    -3517 195 920 654 402 282 201 130 89 63 46 35 27 21 16 13 11 9 7 6 12 9 8 6 5 4 3 2 1 0 0
    -3635 199 902 645 393 259 177 117 81 58 44 34 27 22 18 16 14 13 12 11 14 13 12 11 10 10 9 9
    8 8 7 -3697 201 894 642 390 249 167 113 81 61 48 40 34 31 28 27 26 26 27 28 30 30 30 30 30
    30 29 31 30 30 29 -3717 204 893 643 392 249 168 117 87 69 58 52 48 46 46 46 48 50 53 55 58
    60 62 64 65 66 66 66 66 65 63 -3726 206 894 646 396 252 173 125 98 82 73 69 67 68 70 74 78
    83 89 95 100 104 107 110 113 115 116 116 114 112 109 -3731 210 897 651 402 259 182 137 112
    99 93 91 93 96 102 109 117 125 135 145 153 160 165 170 174 177 178 178 176 172 167 -3734 213
    902 657 409 269 194 151 130 119 116 118 124 131 141 152 164 177 191 206 218 228 236 243 248
    252 254 253 250 244 234 -3735 218 907 664 418 280 208 169 150 144 145 151 160 173 187 203
    220 238 258 278 295 308 319 328 335 340 341 339 333 323 308 -3735 223 913 672 428 294 224
    189 175 172 178 188 203 220 240 261 284 308 332 349 364 376 386 393 396 394 388 375 357 331
    297 -3734 229 921 682 440 309 243 212 202 204 215 231 251 274 299 326 348 368 385 399 410
    416 417 412 401 381 353 315 265 204 129 -3732 235 929 692 454 326 264 238 233 241 257 278
    305 334 360 385 406 424 438 448 451 448 436 415 383 339 280 206 115 5 -126 -3730 242 939 704
    469 345 288 267 267 280 303 331 363 396 423 448 469 486 497 501 496 481 454 413 356 282 187
    69 -73 -242 -441 -3728 250 949 717 486 366 314 298 304 324 353 388 419 448 474 496 513 523
    523 512 488 448 389 310 206 76 -84 -277 -504 -770 -1075 -3725 259 960 731 504 388 342 332
    345 372 405 438 470 499 523 541 550 549 533 501 449 374 273 141 -24 -227 -471 -758 -1091
    -1469 -1893 -3721 268 972 747 523 413 372 369 388 416 449 481 510 533 549 555 547 521 474
    402 301 166 -8 -225 -489 -804 -1172 -1593 -2065 -2585 -3147 -3717 278 985 763 544 440 405
    407 428 456 485 513 535 548 548 531 492 427 330 197 20 -205 -484 -821 -1219 -1680 -2199
    -2776 -3399 -4057 -4731 -3713 288 999 781 567 468 440 445 465 492 519 541 553 551 529 482
    404 289 128 -83 -353 -688 -1091 -1565 -2109 -2717 -3380 -4083 -4806 -5520 -6189 -3708 299
    1014 800 591 499 474 480 499 523 543 554 549 522 466 375 238 48 -203 -522 -918 -1393 -1949
    -2581 -3283 -4037 -4819 -5599 -6337 -6980 -7502 -3703 311 1030 820 622 533 508 512 529 546
    555 549 519 457 354 201 -13 -299 -663 -1115 -1657 -2290 -3005 -3792 -4624 -5472 -6293 -7039
    -7651 -8092 -8317 -3698 324 1047 842 654 567 542 545 558 567 563 536 476 372 213 -14 -321
    -717 -1211 -1807 -2505 -3292 -4149 -5042 -5929 -6753 -7457 -7960 -8253 -8291 -8060 -3732 343
    1080 882 690 601 572 571 575 569 542 481 374 206 -35 -364 -794 -1332 -1985 -2747 -3609 -4543
    -5510 -6455 -7319 -8030 -8510 -8735 -8667 -8296 -7530 -3677 362 1112 918 725 634 604 597 592
    570 518 420 260 22 -309 -750 -1312 -2000 -2811 -3728 -4719 -5736 -6697 -7547 -8205 -8610
    -8657 -8440 -7909 -6986 -5865 -3671 379 1142 954 761 667 630 614 591 543 451 298 64 -269
    -721 -1302 -2022 -2878 -3852 -4910 -5995 -7033 -7923 -8599 -8985 -8987 -8677 -8026 -7058
    -5732 -4263 -3652 420 1199 1004 800 698 652 622 576 493 351 128 -199 -652 -1246 -1992 -2889
    -3921 -5046 -6203 -7311 -8218 -8924 -9326 -9381 -8950 -8274 -7267 -5877 -4381 -2766 -3645
    439 1227 1038 834 729 675 631 563 445 250 -48 -473 -1051 -1792 -2699 -3756 -4911 -6099 -7220
    -8173 -8809 -9166 -9172 -8707 -7977 -6906 -5530 -3864 -2154 -448 -3639 459 1262 1078 871 755
    686 617 511 338 65 -336 -890 -1618 -2527 -3606 -4818 -6089 -7325 -8403 -9167 -9595 -9618
    -9228 -8346 -7220 -5838 -4272 -2761 -1381 -268 -3661 508 1328 1132 909 779 691 593 443 204
    -161 -681 -1382 -2280 -3368 -4612 -5944 -7264 -8448 -9372 -9892 -10017 -9700 -8826 -7731
    -6370 -4878 -3472 -2276 -1443 -1094 -3604 532 1365 1169 942 804 702 578 387 85 -367 -1001
    -1842 -2895 -4134 -5495 -6832 -8069 -9057 -9569 -9760 -9504 -8802 -7587 -6187 -4618 -3063
    -1859 -987 -663 -983 -3596 553 1399 1209 975 818 683 508 241 -167 -757 -1561 -2593 -3837
    -5233 -6673 -7966 -9035 -9758 -9952 -9826 -9284 -8267 -7080 -5735 -4404 -3452 -2812 -2729
    -3302 -4579 -3588 577 1440 1252 1007 828 659 433 89 -424 -1147 -2109 -3311 -4719 -6244 -7718
    -8995 -9910 -10365 -10206 -9690 -8794 -7590 -6396 -5302 -4490 -4402 -4688 -5609 -7189 -9408
    -3694 628 1510 1308 1039 833 626 341 -90 -721 -1592 -2725 -4095 -5640 -7236 -8684 -9835
    -10535 -10610 -10238 -9425 -8318 -7136 -6160 -5553 -5480 -6053 -7822 -9708 -12219 -15285
    -3531 673 1571 1356 1067 832 581 225 -306 -1074 -2112 -3420 -4944 -6574 -8157 -9491 -10451
    -10910 -10988 -10478 -9567 -8462 -8007 -7409 -7350 -7974 -9347 -11464 -14268 -17672 -21569
    -3521 697 1609 1394 1090 824 519 79 -574 -1501 -2717 -4186 -5806 -7436 -8893 -10157 -11075
    -11539 -11665 -11215 -10407 -10018 -9423 -9298 -9849 -11188 -13335 -16239 -19799 -23896
    -28401 -3512 720 1640 1428 1114 826 478 -29 -783 -1838 -3191 -4769 -6432 -8022 -9366 -10484
    -11227 -11484 -11412 -10768 -9845 -9551 -9146 -9366 -10389 -12285 -15027 -18522 -22640
    -27239 -32109 -3503 735 1635 1433 1159 928 648 220 -442 -1381 -2583 -3968 -5384 -6690 -7751
    -8677 -9406 -10038 -10443 -10700 -10953 -12104 -13120 -14703 -16946 -19863 -23404 -27478
    -31971 -36620 -41845 -3401 659 1545 1412 1214 1057 858 527 -14 -803 -1822 -2984 -4154 -5227
    -6138 -7084 -8065 -9266 -10523 -11916 -13522 -16243 -18722 -21652 -25048 -28882 -33093
    -37081 -42035 -47136 -52295 -3363 591 1499 1417 1267 1152 994 707 216 -516 -1464 -2534 -3597
    -4522 -5467 -6506 -7721 -9368 -11206 -13334 -15795 -18642 -22928 -26683 -30779 -34268 -39049
    -44027 -49113 -54022 -59387 -3441 512 1458 1431 1328 1256 1146 912 482 -183 -1048 -2023
    -2998 -3893 -4926 -6205 -7824 -10110 -12702 -15714 -19138 -22964 -27166 -31700 -36501 -41496
    -46603 -51746 -56437 -61770 -66981 -3526 477 1421 1448 1415 1434 1442 1356 1108 660 29 -734
    -1612 -2588 -3961 -5803 -8193 -11159 -14518 -18597 -23177 -28191 -33563 -39202 -45012 -51073
    -56947 -62732 -68521 -73952 -79142 -3514 501 1448 1488 1491 1564 1640 1634 1476 1127 585
    -143 -1094 -2285 -4003 -6299 -9237 -12666 -16904 -21740 -27094 -32869 -38956 -45238 -51784
    -58134 -64380 -70607 -76441 -82144 -87397 -3502 528 1477 1531 1575 1710 1863 1948 1894 1648
    1171 408 -727 -2256 -4432 -7279 -10845 -14967 -19943 -25537 -31641 -38128 -44864 -51899
    -58749 -65492 -72210 -78506 -84646 -90298 -95727
""")
_H_PLAIN = _table("""
    0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 802 0 0 0 0 1 1 1 1 1 1 2 2 2
    2 3 3 3 3 4 4 4 5 5 6 6 6 7 7 8 8 802 0 1 1 2 2 3 3 4 4 5 6 7 8 9 10 11 12 14 15 16 18 19 21
    23 24 26 28 30 32 34 803 1 2 3 4 5 6 7 8 10 12 14 16 18 20 23 25 28 31 34 37 40 44 47 51 55
    59 63 67 71 76 803 2 3 4 6 8 10 12 15 18 21 24 28 32 36 40 45 50 55 60 66 71 78 84 91 97 105
    112 120 127 136 803 3 5 7 10 13 16 19 23 28 33 38 44 50 56 63 70 78 86 94 103 112 122 132
    142 153 164 176 188 200 213 803 4 7 10 14 18 23 28 34 40 47 55 63 72 81 91 101 112 124 136
    148 162 176 190 205 221 237 254 271 289 308 803 5 9 14 19 24 31 38 46 55 64 75 86 97 110 124
    138 153 169 185 203 221 240 260 281 302 325 348 372 396 422 804 7 12 18 24 32 40 50 60 72 84
    98 112 128 144 162 181 200 221 243 266 290 315 341 369 397 426 457 488 521 555 804 8 15 23
    31 40 51 63 76 91 107 124 142 162 183 205 229 254 281 309 338 369 401 434 469 505 542 581
    621 662 705 804 10 19 28 38 50 63 78 94 112 132 153 176 200 227 255 284 315 348 383 419 457
    497 538 581 626 673 721 770 822 875 805 13 23 34 46 60 76 94 114 136 160 186 213 243 275 309
    345 383 423 465 510 556 604 655 707 762 819 877 937 1000 1064 805 15 27 40 55 72 91 112 136
    162 190 221 255 290 329 369 412 458 506 556 609 665 723 783 846 911 978 1048 1120 1194 1271
    805 18 32 47 64 84 107 132 160 191 224 260 300 342 387 435 486 539 596 656 718 783 852 922
    996 1072 1151 1232 1317 1404 1494 806 20 37 55 75 98 124 153 186 221 261 303 349 398 450 506
    565 628 694 763 836 911 990 1072 1157 1245 1336 1430 1528 1631 1737 806 23 43 63 86 112 142
    176 214 255 300 349 401 458 518 583 651 723 798 878 961 1047 1137 1230 1327 1428 1533 1643
    1758 1879 2006 807 27 48 72 98 128 162 201 244 291 342 398 458 523 592 665 743 825 911 1001
    1095 1193 1295 1401 1512 1628 1750 1879 2015 2158 2308 808 30 55 81 111 145 184 227 275 329
    387 450 518 592 670 753 841 933 1030 1132 1238 1349 1465 1587 1715 1851 1994 2146 2306 2471
    2639 808 34 61 91 124 163 206 255 309 369 435 506 582 665 752 845 942 1045 1153 1265 1383
    1507 1637 1775 1922 2076 2240 2409 2582 2751 2910 809 38 68 101 138 181 230 285 346 413 486
    565 651 743 841 945 1054 1169 1290 1417 1551 1693 1844 2004 2175 2355 2541 2730 2910 3074
    3211 808 43 76 112 154 201 255 316 384 458 539 627 722 823 930 1044 1163 1288 1421 1560 1708
    1866 2035 2213 2401 2589 2775 2944 3088 3197 3285 808 46 84 124 170 222 282 349 424 506 596
    694 798 910 1029 1154 1287 1427 1576 1734 1904 2085 2279 2480 2682 2876 3059 3202 3300 3366
    3355 809 51 92 136 186 244 310 384 466 556 655 761 875 996 1125 1260 1404 1556 1718 1892
    2079 2281 2490 2699 2894 3069 3199 3276 3293 3263 3147 813 56 101 149 204 267 339 420 510
    609 717 833 957 1089 1230 1379 1537 1708 1890 2087 2294 2512 2725 2918 3079 3216 3276 3271
    3222 3072 2847 814 61 110 162 222 292 370 459 557 665 783 910 1046 1192 1347 1512 1689 1881
    2086 2307 2535 2768 2981 3158 3301 3365 3355 3269 3119 2868 2534 815 66 120 177 242 317 402
    498 605 721 847 982 1126 1280 1443 1617 1807 2016 2242 2479 2718 2932 3107 3222 3282 3247
    3131 2932 2630 2240 1762 819 72 130 192 262 343 436 540 655 780 916 1062 1217 1383 1562 1756
    1967 2196 2432 2669 2885 3059 3174 3245 3198 3066 2839 2498 2063 1532 911 822 77 139 207 283
    371 471 583 708 844 991 1149 1319 1501 1698 1912 2146 2393 2641 2884 3077 3206 3253 3234
    3088 2840 2491 1987 1408 732 -33 823 83 150 222 305 399 507 628 761 906 1063 1231 1412 1609
    1826 2066 2326 2594 2845 3071 3220 3281 3270 3128 2877 2518 1993 1385 672 -136 -1030 824 89
    162 240 328 429 544 673 814 967 1131 1306 1495 1705 1942 2206 2485 2752 2979 3148 3219 3189
    3057 2789 2400 1894 1173 403 -469 -1431 -2468 829 99 175 257 351 459 583 720 871 1033 1208
    1395 1600 1830 2086 2364 2636 2879 3065 3159 3148 3020 2765 2370 1849 1201 433 -917 -1948
    -3057 -4227 834 103 185 275 376 492 623 770 932 1106 1294 1500 1726 1977 2250 2529 2782 2984
    3074 3070 2943 2692 2123 1554 854 30 -906 -1937 -3050 -4227 -5448 835 109 197 293 401 525
    666 824 997 1185 1390 1613 1861 2132 2419 2691 2910 3045 3037 2913 2652 2098 1506 773 -88
    -1068 -2149 -3319 -4554 -5838 -7151 836 116 210 312 427 559 710 878 1064 1265 1484 1724 1990
    2278 2579 2848 3040 3118 3022 2789 2402 1683 938 51 -963 -2086 -3300 -4586 -5921 -7289 -7877
    837 124 224 332 454 592 748 921 1106 1305 1527 1774 2045 2317 2552 2710 2747 2621 2334 1883
    1272 294 -683 -1796 -3021 -4344 -5741 -7190 -8665 -9362 -10775 843 134 242 355 481 626 789
    966 1155 1361 1590 1839 2087 2305 2447 2481 2372 2077 1614 977 175 -1033 -2211 -3517 -4930
    -6426 -7982 -8857 -10395 -11928 -13436 849 150 258 376 509 663 835 1022 1223 1442 1685 1939
    2173 2355 2436 2385 2172 1751 1149 364 -596 -1718 -3350 -4818 -6376 -7373 -8963 -10577
    -12190 -12935 -14426 855 151 269 396 539 702 884 1082 1296 1534 1791 2047 2260 2395 2409
    2268 1951 1399 660 -274 -1390 -2661 -4071 -5590 -7192 -8850 -10537 -12229 -13059 -14631
    -16154 861 157 282 418 570 744 938 1150 1385 1646 1915 2158 2321 2118 1900 1515 949 201
    -1776 -3023 -4418 -5938 -7562 -9265 -11022 -10918 -12639 -14353 -13985 -15586 -17134 862 166
    297 440 602 785 991 1218 1467 1741 2010 2217 2292 1945 1537 930 131 -1748 -3059 -4520 -6111
    -7806 -9583 -11416 -11482 -13272 -15056 -14836 -16506 -16059 -17579 864 175 313 464 634 828
    1046 1286 1548 1835 2107 2288 2286 1802 1212 390 -637 -2748 -4280 -5939 -7714 -9569 -11482
    -11728 -13590 -15451 -15385 -17126 -16825 -18419 -17881
""")
_H_SHADING = _table("""
    0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 835 0 0 0 0 1 1 1 1 1 1 2 2 2
    2 3 3 3 3 4 4 4 5 5 6 6 6 7 7 8 8 835 0 1 1 2 2 3 3 4 4 5 6 7 8 9 10 11 12 14 15 16 18 19 21
    23 24 26 28 30 32 34 835 1 2 3 3 5 6 7 8 10 12 14 16 18 20 23 25 28 31 34 37 40 44 47 51 55
    59 63 67 71 76 835 2 3 4 6 8 10 12 15 18 21 24 28 32 36 40 45 50 55 60 66 71 78 84 91 97 104
    112 119 127 135 835 3 5 7 10 12 16 19 23 28 33 38 44 50 56 63 70 78 86 94 103 112 122 131
    142 153 164 175 187 200 212 835 4 7 10 14 18 23 28 34 40 47 55 63 72 81 91 101 112 124 136
    148 162 176 190 205 221 237 254 271 289 307 835 5 9 14 19 24 31 38 46 55 64 75 86 97 110 124
    138 153 169 185 203 221 240 260 280 302 324 347 371 395 421 836 7 12 18 24 32 40 50 60 72 84
    98 112 128 144 162 181 200 221 243 266 290 315 341 368 396 425 455 487 519 552 836 8 15 23
    31 40 51 63 76 91 107 124 142 162 183 206 229 254 281 309 338 368 400 433 467 503 540 578
    617 658 699 836 10 19 28 38 50 63 78 94 112 132 153 176 200 227 254 284 315 348 382 418 456
    496 537 579 623 668 715 763 812 863 837 13 23 34 46 60 76 94 114 136 160 186 213 243 275 309
    345 383 423 464 508 554 602 652 703 756 811 867 924 982 1041 837 15 27 40 55 72 91 112 136
    162 190 221 255 290 328 369 412 457 505 555 607 661 718 777 837 899 963 1028 1094 1160 1228
    837 18 32 47 64 84 107 132 160 191 224 260 300 342 386 434 485 538 594 653 714 778 844 912
    982 1053 1126 1200 1274 1348 1423 838 21 37 55 75 98 124 153 186 222 260 303 348 397 450 505
    564 626 691 758 829 902 977 1054 1132 1211 1291 1372 1453 1534 1616 838 24 43 63 86 112 142
    176 214 255 300 348 401 457 517 581 648 719 793 870 949 1031 1114 1198 1284 1369 1456 1542
    1629 1717 1807 839 27 48 71 98 128 162 201 243 290 342 397 457 521 590 662 738 818 901 987
    1075 1164 1254 1346 1437 1529 1622 1715 1812 1912 2021 839 30 55 81 111 145 184 227 275 329
    387 450 517 590 667 748 833 921 1012 1106 1201 1297 1393 1490 1587 1685 1786 1892 2005 2130
    2268 840 34 61 91 124 162 206 255 309 369 434 505 581 662 748 838 932 1029 1128 1229 1331
    1432 1534 1637 1741 1850 1965 2092 2232 2386 2551 841 38 68 101 138 181 230 285 345 412 485
    563 648 737 832 931 1032 1137 1243 1350 1457 1564 1673 1785 1903 2033 2177 2342 2519 2703
    2884 847 41 76 112 154 201 255 316 383 458 538 626 719 817 921 1028 1138 1249 1361 1474 1586
    1700 1818 1945 2086 2242 2419 2605 2792 2965 3135 855 46 84 124 170 222 282 349 423 505 594
    690 792 898 1010 1125 1241 1358 1476 1593 1713 1839 1979 2134 2309 2501 2715 2909 3078 3225
    3288 856 51 92 136 186 244 310 384 466 556 653 757 868 984 1103 1225 1347 1470 1593 1718
    1852 1998 2166 2353 2554 2771 2964 3119 3218 3266 3209 872 56 100 149 204 267 339 420 510
    608 713 826 945 1068 1194 1321 1448 1575 1705 1843 1996 2181 2380 2592 2802 3015 3155 3227
    3242 3134 2928 873 60 109 162 222 291 370 458 555 661 775 897 1023 1153 1284 1416 1548 1684
    1830 1993 2181 2405 2634 2857 3071 3204 3254 3209 3073 2806 2433 873 66 119 177 242 317 402
    498 604 719 842 972 1107 1243 1381 1518 1659 1810 1979 2172 2397 2631 2855 3043 3190 3227
    3160 2991 2690 2277 1762 895 71 129 191 262 343 436 539 653 777 908 1046 1187 1329 1471 1614
    1768 1940 2139 2363 2610 2842 3034 3186 3210 3122 2916 2575 2117 1554 896 900 77 139 206 283
    371 470 582 704 836 976 1120 1267 1414 1562 1716 1893 2094 2326 2598 2845 3047 3173 3220
    3113 2874 2506 1967 1338 609 -203 901 83 150 222 305 399 506 626 757 896 1043 1192 1344 1497
    1657 1833 2044 2283 2542 2818 3029 3160 3203 3088 2832 2437 1858 1183 403 -466 -1407 902 89
    161 239 327 429 544 673 812 961 1115 1272 1429 1592 1769 1976 2212 2472 2730 2974 3120 3154
    3067 2811 2408 1864 1098 274 -650 -1657 -2730 925 95 173 257 351 460 583 720 868 1024 1185
    1347 1511 1688 1889 2127 2391 2660 2918 3085 3140 3057 2821 2418 1866 1179 371 -1005 -2076
    -3218 -4414 954 102 184 274 375 491 623 767 923 1085 1251 1418 1593 1789 2019 2288 2572 2834
    2996 3059 2977 2736 2163 1557 808 -66 -1048 -2118 -3260 -4456 -5694 955 108 197 292 401 524
    663 815 976 1143 1314 1489 1679 1901 2168 2448 2710 2906 2955 2869 2613 2038 1390 587 -350
    -1398 -2535 -3743 -5004 -6301 -7622 956 115 209 311 427 558 704 864 1033 1206 1383 1568 1775
    2021 2310 2594 2828 2957 2894 2666 2244 1465 627 -363 -1475 -2684 -3964 -5295 -6659 -8041
    -8620 957 123 224 332 453 588 737 895 1054 1212 1372 1545 1740 1961 2193 2388 2492 2437 2210
    1787 1166 162 -877 -2062 -3362 -4749 -6195 -7678 -9175 -9875 -11287 943 138 247 356 480 620
    774 933 1092 1249 1411 1584 1763 1945 2102 2184 2148 1926 1526 927 132 -1077 -2290 -3644
    -5110 -6658 -8258 -9185 -10735 -12271 -13776 916 162 265 378 508 656 818 987 1155 1324 1500
    1684 1862 2033 2138 2142 2002 1645 1100 349 -605 -1744 -3377 -4884 -6492 -7583 -9214 -10858
    -12492 -13237 -14727 875 154 273 397 537 695 867 1047 1229 1419 1615 1813 1989 2131 2177
    2091 1837 1336 645 -258 -1364 -2645 -4082 -5639 -7285 -8988 -10716 -12443 -13315 -14898
    -16429 861 157 282 418 569 739 926 1126 1340 1573 1810 2028 2182 1988 1791 1431 894 174
    -1781 -3013 -4403 -5930 -7568 -9291 -11071 -10990 -12732 -14464 -14110 -15720 -17274 862 166
    297 441 601 783 984 1203 1441 1699 1951 2149 2223 1884 1490 897 113 -1753 -3052 -4508 -6097
    -7796 -9581 -11425 -11503 -13306 -15102 -14891 -16569 -16130 -17655 864 175 313 464 634 828
    1046 1286 1548 1835 2107 2288 2286 1802 1212 390 -637 -2748 -4280 -5939 -7714 -9569 -11482
    -11728 -13590 -15451 -15385 -17126 -16825 -18419 -17881
""")
# --- END GENERATED TABLE ---
_S_MIN, _S_MAX, _N_S = _S_RANGE
# cubic B-spline coefficients.  "mirror" at u = 0 is exact: q and h are even in u = 1/R (a
# concave edge of radius R is a convex one seen from the other side).
_COEF = [ndimage.spline_filter(t, order=3, mode="mirror")
         for t in (_Q_PLAIN, _H_PLAIN, _Q_SHADING, _H_SHADING)]
_SCALE_U = (_N_U - 1) / _U_MAX
_SCALE_S = (_N_S - 1) / (_S_MAX - _S_MIN)


def _qh(u, s, f, need_h=True):
    """Interpolated q and h (None unless ``need_h``) at (u, s) (1-D arrays) clamped into the
    domain; shading fraction f (scalar or like u)."""
    uc = np.minimum(u, _U_MAX)
    sc = np.minimum(np.clip(s, _S_MIN, _S_MAX), MAX_BLUR_RATIO / np.maximum(uc, 1e-300))
    coords = np.array([uc * _SCALE_U, (sc - _S_MIN) * _SCALE_S])
    out = []
    for k in (0, 1) if need_h else (0,):
        v = ndimage.map_coordinates(_COEF[k], coords, order=3, mode="mirror", prefilter=False)
        if np.any(f > 0):
            w = ndimage.map_coordinates(_COEF[k + 2], coords, order=3, mode="mirror",
                                        prefilter=False)
            v += f * (w - v)
        out.append(v)
    return (out[0], out[1]) if need_h else (out[0], None)


# The same interpolation for one point in Python floats (find_circle's single call: the
# array path's per-call overhead is ~5x the arithmetic there).
_COEF_LISTS = [c.tolist() for c in _COEF]


def _mirror(i: int, n: int) -> int:
    if i < 0:
        return -i
    return 2 * (n - 1) - i if i >= n else i


def _bspline_weights(t: float):
    t2 = t * t
    t3 = t2 * t
    return ((1.0 - 3.0 * t + 3.0 * t2 - t3) / 6.0, (4.0 - 6.0 * t2 + 3.0 * t3) / 6.0,
            (1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3) / 6.0, t3 / 6.0)


def _qh_scalar(u: float, s: float, f: float, need_h: bool = True):
    """:func:`_qh` for one point."""
    uc = min(u, _U_MAX)
    sc = min(min(max(s, _S_MIN), _S_MAX), MAX_BLUR_RATIO / max(uc, 1e-300))
    x, y = uc * _SCALE_U, (sc - _S_MIN) * _SCALE_S
    i, j = int(math.floor(x)), int(math.floor(y))
    wx, wy = _bspline_weights(x - i), _bspline_weights(y - j)
    rows = [_mirror(i + d, _N_U) for d in (-1, 0, 1, 2)]
    cols = [_mirror(j + d, _N_S) for d in (-1, 0, 1, 2)]
    out = []
    for k in (0, 1) if need_h else (0,):
        vals = []
        for kk in (k, k + 2) if f > 0 else (k,):
            c = _COEF_LISTS[kk]
            vals.append(sum(wa * sum(wb * c[r][q] for wb, q in zip(wy, cols))
                            for wa, r in zip(wx, rows)))
        out.append(vals[0] + f * (vals[1] - vals[0]) if f > 0 else vals[0])
    return (out[0], out[1]) if need_h else (out[0], None)


def _positive(v, name: str, allow_zero: bool = False) -> np.ndarray:
    a = np.asarray(v, dtype=np.float64)
    ok = np.isfinite(a) & ((a >= 0) if allow_zero else (a > 0))
    if not np.all(ok):
        raise InputError(f"{name}: expected finite {'non-negative' if allow_zero else 'positive'}"
                         f" values, given {a[~ok].ravel()[:3].tolist()}")
    return a


def _prepare(blur_px, blur, shading, out_of_domain):
    check_choice(blur, "blur", BLUR_KINDS)
    check_choice(out_of_domain, "out_of_domain", _OUT)
    b = _positive(blur_px, "blur_px", allow_zero=blur == "optics")
    f = np.asarray(shading, dtype=np.float64)
    if not np.all(np.isfinite(f) & (f >= 0) & (f <= 1)):
        raise InputError(f"shading: expected fractions in [0, 1], given "
                         f"{np.ravel(f)[:3].tolist()}")
    return b, f


def _total(b, kind):
    return np.sqrt(b * b + _BOX_VAR) if kind == "optics" else b


def _solve(u_m, blur, kind, f):
    """True ``u = 1/R``, straight-edge blur ``s`` and the outward correction ``R - R_meas``
    (px) from the measured ``u_m = 1 / R_meas`` (>= 0) and the blur (1-D arrays).

    Fixed point of ``R = R_meas + q s^2 / (2R)``, ``s = sigma_fit / h``: a contraction (both
    right-hand sides move by well under their argument's change over the domain); it stops
    when the correction and the blur move by < 1e-9 px (3 - 10 steps).
    """
    if u_m.size == 1:
        return tuple(np.array([v]) for v in _solve_scalar(float(u_m[0]), float(blur[0]), kind,
                                                           float(np.ravel(f)[0])))
    fit = kind == "fit"
    s = _total(blur, kind)
    u = u_m
    corr = np.zeros_like(u)
    for _ in range(_ITERATIONS):
        q, h = _qh(u, s, f, fit)
        ds = 0.0
        if fit:
            s_new = blur / h
            ds = float(np.max(np.abs(s_new - s)))
            s = s_new
        c_new = 0.5 * q * s * s * u
        dc = float(np.max(np.abs(c_new - corr)))
        corr = c_new
        u = u_m / (1.0 + corr * u_m)
        if dc < 1e-9 and ds < 1e-9:
            break
    return u, s, corr


def _solve_scalar(u_m: float, blur: float, kind: str, f: float):
    """:func:`_solve` for one point, in Python floats (same iteration)."""
    fit = kind == "fit"
    s = math.sqrt(blur * blur + _BOX_VAR) if kind == "optics" else blur
    u = u_m
    corr = 0.0
    for _ in range(_ITERATIONS):
        q, h = _qh_scalar(u, s, f, fit)
        ds = 0.0
        if fit:
            s_new = blur / h
            ds = abs(s_new - s)
            s = s_new
        c_new = 0.5 * q * s * s * u
        dc = abs(c_new - corr)
        corr = c_new
        u = u_m / (1.0 + corr * u_m)
        if dc < 1e-9 and ds < 1e-9:
            break
    return u, s, corr


def circle_correction(measured_radius: float, blur_px: float) -> float:
    """``radius_from_edge(measured_radius, blur_px, out_of_domain="clip") - measured_radius``
    for one circle in Python floats (what :func:`metrology.caliper.find_circle` adds to its
    fitted radius; the checked array entry costs twice the arithmetic there).  Inputs must be
    positive and finite (the caller's own results)."""
    return _solve_scalar(1.0 / measured_radius, blur_px, "fit", 0.0)[2]


def _domain(u, s):
    tol = 1.0 + 1e-9
    return (u <= _U_MAX * tol) & (s * u <= MAX_BLUR_RATIO * tol) & (s <= _S_MAX * tol)


def _finish(value, ok, out_of_domain, what, radius, blur):
    if np.all(ok) or out_of_domain == "clip":
        return value
    if out_of_domain == "nan":
        return np.where(ok, value, np.nan)
    i = int(np.flatnonzero(~ok)[0])
    raise InputError(
        f"{what}: radius {radius[i]:.4g} px with blur {blur[i]:.4g} px is "
        f"outside the curvature table (true radius >= {MIN_RADIUS_PX} px, blur / radius <= "
        f"{MAX_BLUR_RATIO}, blur <= {MAX_BLUR_PX} px; {int(np.count_nonzero(~ok))} value(s)): "
        f"pass out_of_domain='clip' or 'nan', or measure with less blur")


def _flat(*arrays):
    """Broadcast and flatten; returns the common shape and the 1-D arrays."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    return shape, [np.broadcast_to(a, shape).ravel() for a in arrays]


def _out(a: np.ndarray, shape):
    return float(a[0]) if shape == () else a.reshape(shape)


def radius_from_edge(measured_radius, blur_px, *, blur: str = "fit", shading=0.0,
                     out_of_domain: str = "raise"):
    """True radius of a blurred circle from the radius its erf edge points measured.

    Parameters
    ----------
    measured_radius : float or array_like
        Radius of the circle fitted to the erf edge points (px), e.g. ``find_circle(...,
        correct_curvature=False).radius``.  Disk or hole, bright or dark, calipers outward or
        inward: all the same (see the module notes).
    blur_px : float or array_like
        Edge blur (px) of the kind ``blur`` names; broadcast with ``measured_radius``.
    blur : {"fit", "straight", "optics"}
        ``"fit"`` (default): the blur the erf fit reported on this edge
        (``CircleResult.edge_blur_px``); ``"straight"``: total blur of a straight edge of
        the same optics, ``sqrt(sigma_o^2 + 1/12)``; ``"optics"``: the PSF sigma ``sigma_o``.
    shading : float or array_like
        Fraction (0 .. 1) of the edges the fit refitted with its shading term.
    out_of_domain : {"raise", "clip", "nan"}
        Inputs outside the table (see :func:`in_domain`): raise
        :class:`~metrology.errors.InputError`, evaluate at the nearest domain point, or NaN.

    Returns
    -------
    float or ndarray
        True radius (px), larger than the measured one; ``R_meas + s^2 / (2 R)`` as
        ``s / R`` -> 0.

    Examples
    --------
    >>> round(radius_from_edge(40.0, 1.0, blur="straight") - 40.0, 4)   # ~ 1 / 80
    0.0125
    """
    b, f = _prepare(blur_px, blur, shading, out_of_domain)
    shape, (r_m, b, f) = _flat(_positive(measured_radius, "measured_radius"), b, f)
    u, s, corr = _solve(1.0 / r_m, b, blur, f)
    return _out(_finish(r_m + corr, _domain(u, s), out_of_domain, "radius_from_edge", r_m, b),
                shape)


def edge_from_radius(radius, blur_px, *, blur: str = "straight", shading=0.0,
                     out_of_domain: str = "raise"):
    """What the erf edge fit measures on a blurred circle: the forward map of
    :func:`radius_from_edge`.

    Parameters
    ----------
    radius : float or array_like
        True radius (px).
    blur_px : float or array_like
        Straight-edge total blur (``blur="straight"``, default) or PSF sigma
        (``blur="optics"``).
    blur : {"straight", "optics"}
    shading, out_of_domain
        As :func:`radius_from_edge`.

    Returns
    -------
    (measured_radius, fit_blur) : floats or ndarrays
        The radius of the fitted edge points and the blur the fit reports on that edge.
    """
    if blur == "fit":
        raise InputError("blur: expected 'straight' or 'optics' (the fitted blur is an output "
                         "here), given 'fit'")
    b, f = _prepare(blur_px, blur, shading, out_of_domain)
    shape, (r, b, f) = _flat(_positive(radius, "radius"), b, f)
    s = _total(b, blur)
    u = 1.0 / r
    q, h = _qh(u, s, f)
    ok = _domain(u, s)
    r_m = _finish(r - 0.5 * q * s * s * u, ok, out_of_domain, "edge_from_radius", r, b)
    s_f = _finish(h * s, ok, out_of_domain, "edge_from_radius", r, b)
    return _out(r_m, shape), _out(s_f, shape)


def edge_shift(curvature, blur_px, *, blur: str = "fit", shading=0.0,
               out_of_domain: str = "raise"):
    """Offset of a blurred edge from the true contour along the outward normal, per point.

    Parameters
    ----------
    curvature : float or array_like
        Signed curvature (1/px) of the *measured* contour at each point (e.g. of the ellipse
        fitted to the edge points): positive where the shape is convex (centre of curvature
        inside), negative where concave, 0 on a straight stretch.
    blur_px : float or array_like
        Edge blur (px) across the edge (along its normal), of the kind ``blur`` names.
    blur : {"fit", "straight", "optics"}
        As :func:`radius_from_edge`.  ``"fit"`` means the blur the fit reported on *this*
        curved stretch; a median over a whole contour whose curvature varies (an ellipse's
        ``edge_blur_px``) is dominated by its flatter stretches: pass it as ``"straight"``.
    shading, out_of_domain
        As :func:`radius_from_edge` (the domain is that of the osculating circles).

    Returns
    -------
    float or ndarray
        ``measured - true`` along the outward normal (px): negative on convex stretches.
        The true contour: ``p_true = p_meas - edge_shift(kappa, blur)[:, None] * n_out``.
        Equals ``-s^2 * kappa / 2`` as ``s * kappa`` -> 0.

    Notes
    -----
    Each point is treated as a point of its osculating circle; where the curvature changes
    within a few blur lengths (the ends of a slender ellipse) that is an approximation.
    """
    b, f = _prepare(blur_px, blur, shading, out_of_domain)
    k = np.asarray(curvature, dtype=np.float64)
    if not np.all(np.isfinite(k)):
        raise InputError(f"curvature: expected finite values, given "
                         f"{k[~np.isfinite(k)].ravel()[:3].tolist()}")
    shape, (k, b, f) = _flat(k, b, f)
    u_m = np.abs(k)
    u, s, corr = _solve(u_m, b, blur, f)
    with np.errstate(divide="ignore"):
        r_m = 1.0 / u_m
    shift = -np.sign(k) * corr + 0.0     # + 0.0: no -0.0 on straight stretches
    return _out(_finish(shift, _domain(u, s), out_of_domain, "edge_shift", r_m, b), shape)


def in_domain(measured_radius, blur_px, *, blur: str = "fit", shading=0.0):
    """Whether :func:`radius_from_edge` covers these inputs (bool or bool array)."""
    b, f = _prepare(blur_px, blur, shading, "raise")
    shape, (r_m, b, f) = _flat(_positive(measured_radius, "measured_radius"), b, f)
    u, s, _ = _solve(1.0 / r_m, b, blur, f)
    ok = _domain(u, s)
    return bool(ok[0]) if shape == () else ok.reshape(shape)
