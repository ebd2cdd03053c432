"""The defect kinds of :mod:`metrology.synth.defects` (private: their catalogue, kept apart from
the renderer because it grows with every held-out configuration).

Defect kinds (:data:`DEFECT_KINDS`), each drawn with random size, orientation and contrast:

``scratch``  a thin groove, slightly curved, 10-70 px long (at most 0.3 x the image size), dark, bright or a dark/bright pair
             (a groove lit from one side), intermittent along its length;
``spot``     a stain or pit: a soft-edged elliptical blob, 2-7 px radius, darker or brighter;
``dent``     a soft, shallow dent: a smooth height bump seen through directional lighting
             (intensity follows the surface slope, so a dent is a low-contrast dark/bright pair),
             which also flattens the brushing texture inside it;
``missing``  a missing feature: one hole or slot was never machined;
``extra``    an extra feature: a hole machined where the layout has none;
``crack``    a thin, jagged dark line (random walk, varying width), 12-50 px;
``stain``    an irregular soft blob (thresholded random field), 4-10 px radius, darker or
             brighter;
``pits``     4-9 small dark corrosion pits within 5-12 px; ``gouge``: a short, wide tool-slip
             groove with a bright burr along one side;
``hairline`` a long (40-90 px), straight, very thin and faint (10-22 gray levels) line;
``chatter``  a track of 4-8 short parallel dashes across it (tool vibration marks);
``scuff``    a rubbed patch: an ellipse of fine parallel streaks, polished brighter, its
             texture rubbed down;
``fingerprint`` a faint elliptical patch (25-45 by 18-30 px) of concentric or whorled ridges
             at a 2.5-3.5 px period;
``blister``  a raised round dome 6-14 px across lit from one side (bright and dark flanks),
             sometimes with a faint ring at its rim;
``inclusion`` a foreign particle: a dark irregular polygon 3-7 px across with a faint bright halo;
``corrosion`` a blotchy patch 8-20 px across, darkened, speckled with dark pits, an oxide rim.
``spatter`` weld spatter: 3-8 raised droplets (radius 1.5-4 px) within 10-25 px, lit from one
             side (bright and dark halves), each with a tiny dark halo.
``burn``     a heat-tint / arc-strike mark: a soft irregular annulus (outer radius 6-18 px),
             a slightly brighter ring of varying width around a darker core.
``crazing``  a patch (radius 8-20 px) of fine connected dark cracks around cells 3-7 px across.
``drip``     a paint run: a faint glossy teardrop streak 15-40 px long, a darker rim on one side.
``chip``     a coating chip 8-20 px across: a polygon of two flat brighter terraces, texture gone.
``watermark`` a water stain ring: a thin darker closed tide line of radius 5-14 px, faint inside.
``swarf``    a machining chip left on the face: a thin bright curl (3-8 px) with its dark shadow.
``residue``  a peeled label's adhesive residue: a darker rounded rectangle 14-36 px, edges beaded.
``rollmark`` a roll mark: 3-5 identical small dark imprints repeated 10-18 px apart in a line.
``starcrack`` a star (impact) crack: 4-7 thin dark straight cracks, 8-20 px, from one crushed pit.
``fisheye``  a coat's crater: a round dark smooth floor (radius 3-8 px), a thin bright rim round it.
``crescent`` a crescent dent: an arc-shaped groove (radius 5-12 px) tapering to two horns, side-lit.
``dragmark`` a drag mark: a band of 3-6 fine parallel streaks, 15-40 px, sharp at its start, fading.
``kink``     a kinked scratch: a thin groove of 2-3 straight legs, 15-50 px, turning 30-100 degrees.
``lap``      a lap (cold shut): a wavy dark seam 15-45 px long, one side a slight step brighter.
``stamp``    a stray stamp: 2-3 blocky seven-segment digits 8-14 px high, shallow and dark.
``pinch``    a pinch mark: two short parallel serrated dents (8-16 px), as from a jaw's tips.
``punch``    a centre-punch witness: a small dark dot in a faint thin ring (radius 4-7 px).
``clampmark`` a clamp pressure mark: a faint dark flat rounded-rectangle print, a bright lip.
``halo``     a weld spatter halo: a ring of tiny dark specks round a slightly darker soft centre.
``arcstrike`` an arc strike: a small bright fused core in a dark rim, 3-6 short dark radial streaks.
``burr``     a rolled-over burr: a bright thin ridge 8-24 px long, a dark line beside it, one side.
``stringer`` an inclusion stringer: a dotted line of 4-13 tiny unequal dark dots, 14-34 px long.
``pigtail``  a sander's pigtail: a thin dark groove looping on itself, a chain of small loops.
``shrinkage`` shrinkage porosity: a dark fern, a stem 10-26 px with thinner side arms at one angle.
``comet``    a polishing comet: a small dark pit with a tail of fine streaks converging behind it.
``treeing``  an electrical tree: a dark track from one point forking in two, four times over.
``dotpeen``  a stray dot-peen Data Matrix: a square grid of 10-14 dimples a side, two sides solid.
``layoutmark`` a scribed layout mark: two thin lines crossing square inside a thin circle.
``rinsespots`` rinse-water spots: 5-12 small thin dark rings (radius 1.3-3.5 px) in a cluster.
``knurlprint`` a knurled pad's print: a small patch of two families of fine grooves crossing.
``chainmark`` a chain's print: a row of 3, 5 or 7 links, oval rings alternating with bars.
``lockwasher`` a star washer's print: 8-12 short dashes round a ring, twisted one way.
``tackweld`` a stray tack weld: a small oval bead rippled across, a thin heat-tint ring round it.
``fretting`` fretting corrosion: a patch of fine dark dots and streaks along the slip, a haze.
``spallpit`` a spalled pit: a jagged shallow crater, dark floor, a bright broken rim on one side.
``pickmark`` a pick slip mark: a short sharp zig-zag scratch (3-6 segments), a fine burr line.
``grindburn`` a grinding burn: a long soft dark band, light fringes either side, its tint pulsing.
``nutprint`` a hex nut's print: a dark flat ring, hexagonal outside, round inside, streaked round.
``cornerdent`` a corner's dent: a triangle of three flat facets, each its own level, a thin lip.
``seamburst`` a burst seam: a short jagged crack opening mid-way into a dark lens, bright lips.
``scalepocket`` a rolled-in scale pocket: a lobed mottled dark pocket, a lit rim ahead, a tail behind.
``bubbleburst`` a burst blister: a round dark crater, a torn lit rim open on one side, a faint halo.
``knitline`` a knit line: a short faint wavy V-line, a fan of flow marks at one end, a duller side.
``nodule``   a plating nodule: a tiny knobby dome, lit on one side, dark on the other, a dark foot ring.
``ringcrack`` a Hertzian ring crack: a thin dark open arc round an impact point, lit on its inside.
``flake``    a lifted coating flake: a flat polygon, a bright rim on its lit edge, a shadow cast past it.
``filiform`` filiform corrosion: 3-6 faint bright wandering tracks from a pit, each a dark head.
``spiderweb`` a spider-web impact crack: 5-8 radial cracks from a pit tied by 1-3 rings of chords.
``fishscale`` enamel fish-scaling: 4-10 small half-moon craters, each lit along its curve, one way.
"""

#: every kind :func:`~metrology.synth.defects.render_defect_sample` draws, in the order they
#: were added (a new held-out configuration's kind is appended at the end)
DEFECT_KINDS = ("scratch", "spot", "dent", "missing", "extra", "crack", "stain", "pits", "gouge",
                "hairline", "chatter", "scuff", "fingerprint", "blister", "inclusion",
                "corrosion", "spatter", "burn", "crazing", "drip", "chip", "watermark",
                "swarf", "residue", "rollmark", "starcrack", "fisheye", "crescent",
                "dragmark", "kink", "lap", "stamp", "pinch", "punch", "clampmark",
                "halo", "arcstrike", "burr", "stringer", "pigtail", "shrinkage",
                "comet", "treeing", "dotpeen", "layoutmark", "rinsespots", "knurlprint",
                "chainmark", "lockwasher", "tackweld", "fretting", "spallpit", "pickmark",
                "grindburn", "nutprint", "cornerdent", "seamburst",
                "scalepocket", "bubbleburst", "knitline", "nodule",
                "ringcrack", "flake", "filiform", "spiderweb",
                "fishscale")
#: kinds that can be drawn onto any surface (:func:`~metrology.synth.defects.paste_defects`);
#: the others need a layout
SURFACE_KINDS = ("scratch", "spot", "dent", "crack", "stain", "pits", "gouge", "hairline",
                 "chatter", "scuff", "fingerprint", "blister", "inclusion", "corrosion",
                 "spatter", "burn", "crazing", "drip", "chip", "watermark", "swarf",
                 "residue", "rollmark", "starcrack", "fisheye", "crescent", "dragmark",
                 "kink", "lap", "stamp", "pinch", "punch", "clampmark", "halo",
                 "arcstrike", "burr", "stringer", "pigtail", "shrinkage", "comet",
                 "treeing", "dotpeen", "layoutmark", "rinsespots", "knurlprint",
                 "chainmark", "lockwasher", "tackweld", "fretting", "spallpit", "pickmark",
                 "grindburn", "nutprint", "cornerdent", "seamburst",
                 "scalepocket", "bubbleburst", "knitline", "nodule",
                 "ringcrack", "flake", "filiform", "spiderweb",
                 "fishscale")
