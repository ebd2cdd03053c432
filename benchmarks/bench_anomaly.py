"""Anomaly scoring: PatchCore (classical default; EfficientNet-Lite0 where ``[deep]`` is installed)
against a per-pixel z-score baseline, on the issue-15 targets.

Data (``metrology.synth.defects``), 256 x 256, placement jitter +-3 px / +-2 deg, lighting gain
+-10 % and ramps, in training and test alike:

* ``tune``: layout ``plate``, texture ``brushed`` (what the defaults were chosen on);
* ``held-out``: layout ``bracket``, texture ``milled`` (never used while choosing anything);
* ``face``: layout ``face`` (the face fills the image: no plate edge), texture ``blasted``: where
  border artefacts would show (share of good images whose map maximum lies within 12 px of the
  border; 17.9 % of a 256 x 256 image's area is, so a map without border bias sits near that);
* ``holdout``: a second held-out configuration (new texture family ``peened`` on the
  ``flange`` layout, and on ``face``), made before the face-set tuning and only scored;
* ``holdout3``: a third held-out configuration (texture ``honed``, layout ``rail``, and the new
  defect shapes ``pits`` and ``gouge`` beside the five texture kinds), made before the tuning
  of 2026-12-03 (night) and only scored at its end;
* ``holdout4``: a fourth held-out configuration (texture ``cast``, layout ``yoke``, and the
  new defect shapes ``hairline`` and ``chatter`` beside the five texture kinds), made on
  2026-12-04 before that session's changes and only scored at its end;
* ``missing_small``: missing / extra small holes (radius 4.1-8.2 px) on a held-out layout
  ``ladder`` with texture ``blasted``, position-aware only;
* ``holdout5``: a fifth held-out configuration (texture ``sintered``, layout ``bridge``, the nine
  surface kinds of the generator plus the new shape ``scuff``), made on 2026-12-04 (afternoon)
  before that session's changes and scored once before and once after them;
* ``holdout6``: a sixth held-out configuration (texture ``faced``, layout ``clevis``, the ten
  surface kinds and missing / extra), made on 2026-12-04 (late evening) before that session's
  change to the fit-time selection; the default, ``edge_band_px=6`` and ``select="auto"``
  (``holdout6_knurled``: its first texture, ``knurled``, where everything scored 1.000;
  ``select6``: ``select="auto"`` alone, scored once after the selection's change);
* ``holdout7``: a seventh held-out configuration (texture ``scraped``, layout ``manifold``,
  the ten surface kinds and missing / extra), made before any change and scored with the
  default (and once with a 10 px band candidate that was not kept: docs/anomaly.md);
* ``holdout8``: an eighth held-out configuration (texture ``eroded``, EDM craters, layout
  ``grille``, a slot array; the ten surface kinds and missing / extra), made before any change
  of 2026-12-04 (late night) and scored once with the default before and once after it;
* ``holdout9``: a ninth held-out configuration (texture ``lapped``, random-orbit swirl arcs,
  layout ``hub``, a bore with a bolt circle and a keyway; the ten surface kinds plus the new
  shape ``fingerprint``, and missing / extra), made on 2026-12-04/05 (night) before that
  session's changes and scored once with the default;
* ``holdout10``: a tenth held-out configuration (texture ``ground``, surface-ground scratches
  along one lay, layout ``lever``, a long arm with end holes and a slanted slot; the ten
  surface kinds plus ``fingerprint``, and missing / extra), made on 2026-12-05 (night) before
  that session's fit-time fusion change and scored once with the default;
* ``holdout11``: an eleventh held-out configuration (texture ``spangle``, hot-dip galvanised
  grains with their own dendrites, layout ``strip``, a terminal strip with a hole row, two
  rounded windows and a V-notch; the ten surface kinds plus ``fingerprint`` and the new shape
  ``blister``, and missing / extra), made on 2026-12-05 (early morning) before that session's
  changes and scored once with the default;
* ``holdout12``: a twelfth held-out configuration (texture ``woven``, a carbon-fibre 2/2 twill
  of streaked tows, layout ``bezel``, a frame with a large central window, corner holes and two
  slots; the ten surface kinds plus ``fingerprint``, ``blister`` and the new shape
  ``inclusion``, and missing / extra), made on 2026-12-05 (early morning) after that session's
  jet channel and before any later change, and scored once with the default;
* ``holdout13``: a thirteenth held-out configuration (texture ``painted``, a powder coat with
  orange-peel shading, metallic flakes and faint overspray, layout ``panel``, an electrical
  panel with a connector cut-out, mounting holes, vent holes and a countersunk hole; the ten
  surface kinds plus ``fingerprint``, ``blister``, ``inclusion`` and the new shape
  ``corrosion``, and missing / extra), made on 2026-12-05 (second session of the day) after
  the jet channel and before any later change, and scored once with the default;
* ``holdout14``: a fourteenth held-out configuration (texture ``swirled``, an orbital-sanded
  face of short curved loop-arc sanding marks of no common direction, layout ``terminal``, a
  terminal block plate with three square windows, a screw hole below each and a long slot at
  each end; the ten surface kinds plus ``fingerprint``, ``blister``, ``inclusion``,
  ``corrosion`` and the new shape ``spatter``, and missing / extra), made on 2026-12-05 (third
  session of the day) before any later change, and scored once with the default;
* ``holdout15``: a fifteenth held-out configuration (texture ``scaled``, hot-rolled steel
  with mill scale: jagged flakes of their own brightness, some spalled off, over long rolling
  streaks, layout ``keyplate``, a plate with two counterbored holes, a keyhole and four small
  holes; the ten surface kinds plus ``fingerprint``, ``blister``, ``inclusion``,
  ``corrosion``, ``spatter`` and the new shape ``burn``, and missing / extra), made on
  2026-12-05 (fourth session of the day) before any later change, and scored once with the
  default;
* ``holdout16``: a sixteenth held-out configuration (texture ``treadplate``, rolled steel
  tread plate: raised lozenges on a rotated lattice, neighbours in two orientations about 90
  degrees apart, lit from one side, layout ``hinge``, a hinge leaf with three knuckle
  cut-outs, an oblong window and two countersunk holes; the ten surface kinds plus
  ``fingerprint``, ``blister``, ``inclusion``, ``corrosion``, ``spatter``, ``burn`` and the new
  shape ``crazing``, and missing / extra), made on 2026-12-05 (fifth session of the day)
  before any later change, and scored once with the default;
* ``holdout17``: a seventeenth held-out configuration (texture ``hammered``, hand-hammered
  (planished) sheet: overlapping shallow round facets 12-40 px across lit from one side, layout
  ``louvre``, a vent plate with five parallel slots tilted 20 degrees, two mounting holes and a
  rounded window at the right; the ten surface kinds plus ``fingerprint``, ``blister``,
  ``inclusion``, ``corrosion``, ``spatter``, ``burn``, ``crazing`` and the new shape ``drip``,
  and missing / extra), made on 2026-12-05 (fifth session of the day, after held-out 16)
  before any later change, and scored once with the default;
* ``holdout18``: an eighteenth held-out configuration (texture ``wrinkled``, a wrinkle-finish
  coat: a labyrinth of meandering ridges of one wavelength (7-12 px) lit from one side, layout
  ``rotor``, a round motor lamination with a shaft bore, twelve short radial bar slots inside
  the rim and four cooling holes; the ten surface kinds plus ``fingerprint``, ``blister``,
  ``inclusion``, ``corrosion``, ``spatter``, ``burn``, ``crazing``, ``drip`` and the new shape
  ``chip``, and missing / extra), made on 2026-12-05 (sixth session of the day) before any
  later change, to be scored once with the default;
* ``holdout19``: a nineteenth held-out configuration (texture ``strandmat``, a chopped-strand-
  mat GRP moulding: straight bright glass strands 20-60 px long at every angle under a resin
  haze, layout ``perforated``, a guard plate with a staggered hexagonal field of seventeen
  perforations and two mounting slots; the held-out 18 kinds plus the new shape
  ``watermark``, and missing / extra), made on 2026-12-05 (sixth session of the day, after
  held-out 18) before any later change, to be scored once with the default;
* ``holdout20``: a twentieth held-out configuration (texture ``anodised``, an etched and
  anodised aluminium extrusion: an isotropic satin etch grain and sparse dark etch pits over
  faint die lines along the extrusion and a slow dye mottle, layout ``quadrant``, an adjusting
  quadrant with a pivot bore, a 70-degree arcuate slot about it and three fixing holes; the
  held-out 19 kinds plus the new shape ``swarf``, and missing / extra), made on 2026-12-05
  (ninth session of the day, after held-out 19) before any later change, to be scored once
  with the default; ``holdout20_cnn``: the same with the discriminator channel
  (``cnn_scan=True``, an option: a net trained at fit on generic synthetic marks), scored once;
  ``cnn_fit``: the fit of 200 images with it; ``cnn_score``: its scoring, the net run by
  OpenCV's DNN module (the default way since the tenth session) against the numpy forward and
  the channel left out, the same bank, at OpenCV's own thread count and at one;
  ``skimage_cnn``: the ``skimage`` sets (non-quick, plus 60 more good parts) with the default
  and with the channel, the same training parts;
* ``holdout21``: a twenty-first held-out configuration (texture ``jewelled``, an engine-turned
  (jewelled) finish: overlapping round spots of fine concentric scratches on a square lattice,
  each over the one before, each with the two-lobed sheen of its circular scratches, layout
  ``cruciform``, a cross joining plate, the first part whose outline is not a rounded
  rectangle: two filleted arms, a central bore and a fixing hole on each arm; the held-out 20
  kinds plus the new shape ``residue``, and missing / extra), made on 2026-12-05 (tenth
  session of the day, after held-out 20) before any later change, to be scored once with the
  default (scored in the eleventh session); ``holdout21_cnn``: the same with the
  discriminator channel (``cnn_scan=True``), scored once beside it;
* ``holdout22``: a twenty-second held-out configuration (texture ``lasercut``, the cut face of
  a thick laser-cut plate: quasi-periodic drag lines bent back by one drag curve, regular at
  the beam's entry and wandering, rougher, towards its exit, layout ``gusset``, a triangular
  gusset plate, the first part with an edge at an angle to the image axes: a rounded
  right-angled triangle, a lightening hole at its incentre and a fixing hole in each corner;
  the held-out 21 kinds plus the new shape ``rollmark``, and missing / extra), made on
  2026-12-05 (eleventh session of the day, after held-out 21) before any later change, to be
  scored once with the default;
* ``holdout23``: a twenty-third held-out configuration (texture ``diecast``, the as-cast skin
  of a high-pressure die casting: aperiodic flow lines fanning out from the gate and bending
  with the flow, so their direction turns across the face, fading along their length, with
  sparse gas pores, layout ``sprocket``, a chain sprocket cut from plate, the first toothed
  outline: a disc whose rim is cut by sixteen semicircular roller seats, a keyed central bore
  and four lightening holes; the held-out 22 kinds plus the new shape ``starcrack``, and
  missing / extra), made on 2026-12-06 (twelfth session, after held-out 22) before any later
  change, to be scored once with the default;
* ``holdout24``: a twenty-fourth held-out configuration (texture ``electropolished``, an
  electropolished stainless face: mirror-smooth grains all of about one level, seen by the
  thin dark grooves etched along their boundaries, under a faint orange peel, layout
  ``hexplate``, a hexagonal flange plate, the first six-sided outline: flats at the top and
  bottom, a round central bore and six bolt holes, one towards each corner; the held-out 23
  kinds plus the new shape ``fisheye``, and missing / extra), made on 2026-12-06 (twelfth
  session, after held-out 23) before any later change, to be scored once with the default;
* ``holdout25``: a twenty-fifth held-out configuration (texture ``tumbled``, a
  vibratory-finished face: dense short comet marks at every angle, each a dark round nick at
  its head trailed by a tail fading away from it, over a matte grain, layout ``lbracket``, a
  flat L-shaped angle bracket, the first outline with a single re-entrant corner: two fixing
  holes in a column on the vertical leg and a row of three slots on the horizontal leg, the
  face about 0.60 of the image; the held-out 24 kinds plus the new shape ``crescent``, and
  missing / extra), made on 2026-12-06 (thirteenth session, after held-out 24) before any
  later change, to be scored once with the default;
* ``holdout26``: a twenty-sixth held-out configuration (texture ``satin``, shot-peened then
  polished: a flat plateau over most of the face, isolated dark dimple cups below it and
  sparse deep pits, layout ``link``, a small figure-eight link plate lying on the diagonal:
  two round lobes joined by a concave waist, a pin hole in each lobe, the face about 0.35
  of the image, the smallest part yet, on the background all round; the held-out 25 kinds
  plus the new shape ``dragmark``, and missing / extra), made on 2026-12-06 (fourteenth
  session, after held-out 25) before any later change, to be scored once with the default;
* ``holdout27``: a twenty-seventh held-out configuration (texture ``cladded``, laser-clad
  as deposited: parallel weld tracks laid in alternate directions, each with fine crescent
  ripples bowed against its travel, sparse bright powder balls, layout ``cam``, a snail
  (drop) cam plate: a spiral rim rising over one turn and dropping back at a radial step, a
  shaft bore, two lightening holes and a dowel hole, the face about 0.59 of the image; the
  held-out 26 kinds plus the new shape ``kink``, and missing / extra), made on 2026-12-06
  (fourteenth session, after held-out 26) before any later change, to be scored once with
  the default;
* ``holdout28``: a twenty-eighth held-out configuration (texture ``luders``, a
  stretcher-strained mild-steel sheet: faint roll streaks crossed by Lueders bands at 50-56
  degrees to them, each band sunk and rougher, layout ``endshield``, a motor end shield: a
  round plate with three kidney cooling windows between three straight ribs, a counterbored
  bearing seat and three bolt holes, the face about 0.63 of the image; the held-out 27 kinds
  plus the new shape ``lap``, and missing / extra), made on 2026-12-06 (fifteenth session,
  after held-out 27) before any later change, to be scored once with the default;
* ``holdout29``: a twenty-ninth held-out configuration (texture ``crossrolled``, a
  cross-rolled sheet: two families of roll streaks crossing at 82-98 degrees, the first pass
  partly rolled out by the second, layout ``forkend``, a fork end: a square plate with a wide
  U slot cut in from one edge, a pin hole in each tine and a counterbored rod bore, the face
  about 0.62 of the image; the held-out 28 kinds plus the new shape ``stamp``, and missing /
  extra), made on 2026-12-06 (sixteenth session, after held-out 28) before any later change,
  to be scored once with the default;
* ``holdout30``: a thirtieth held-out configuration (texture ``wirecut``, a wire-EDM cut
  face: one family of strictly regular fine cusps over a crater matte, with sparse bright
  recast spots, layout ``tnut``, a T-slot nut plate: a T outline with a bolt hole in each end
  of the bar and a chamfered tapped hole in the stem, the face about 0.61 of the image; the
  held-out 29 kinds plus the new shape ``pinch``, and missing / extra), made on 2026-12-06
  (seventeenth session, after held-out 29) before any later change, to be scored once with
  the default;
* ``holdout31``: a thirty-first held-out configuration (texture ``dimplearray``, a
  laser-textured running face: a strict hexagonal lattice of small round sunk dimples with
  thin bright rims over a nearly smooth ground, layout ``ovalflange``, a two-bolt oval port
  flange on the image's diagonal: a round body and two lobes joined by tangent straight edges,
  a kept port bore and a bolt hole in each lobe, the face about 0.65 of the image; the
  held-out 30 kinds plus the new shape ``punch``, and missing / extra), made on 2026-12-06
  (seventeenth session, after held-out 30) before any later change, to be scored once with
  the default;
* ``holdout32``: a thirty-second held-out configuration (texture ``guilloche``, a rose-engine
  wave-cut face: fine V grooves side by side, every groove swung sideways in one sine wave
  along the lay, layout ``bearingcap``, a main bearing cap on its face: an arch over straight
  flanks and a flat base, a half-round seat cut into the base and a bolt hole in each foot,
  the face about 0.62 of the image; the held-out 31 kinds plus the new shape ``clampmark``,
  and missing / extra), made on 2026-12-06 (eighteenth session, after held-out 31) before any
  later change, to be scored once with the default;
* ``holdout33``: a thirty-third held-out configuration (texture ``peenground``, a shot-peened
  face ground flat: the grinding lay on the plateau and only the peen craters' deepest parts
  surviving below it as smooth dark round pits, layout ``crescentarm``, a crescent-shaped cam
  follower arm: a round body with a round bite out of its top, two arcs meeting at sharp
  horns, a pivot bore and a roller pin hole, the face about 0.60 of the image; the held-out
  32 kinds plus the new shape ``halo``, and missing / extra), made on 2026-12-06 (eighteenth
  session, after held-out 32) before any later change, to be scored once with the default;
* ``holdout34``: a thirty-fourth held-out configuration (texture ``flamespray``, a
  flame-sprayed coating: overlapping flattened splats, each at its own level, with thin dark
  oxide rims along their visible edges, layout ``trimount``, a triangular motor mount: a
  rounded Reuleaux triangle with a central bore and three bolt holes in its lobes, the face
  about 0.59 of the image; the held-out 33 kinds plus the new shape ``arcstrike``, and
  missing / extra), made on 2026-12-06 (nineteenth session, after held-out 33) before any
  later change, to be scored once with the default;
* ``holdout35``: a thirty-fifth held-out configuration (texture ``chemmilled``, a chemically
  milled face: broad shallow flat-floored etch dishes with soft raised rims scattered over a
  matte etch grain, layout ``splitcollar``, a one-piece clamp shaft collar end-on: a ring cut
  through by a radial split, a clamp screw hole and two tapped holes, the face about 0.58 of
  the image; the held-out 34 kinds plus the new shape ``burr``, and missing / extra), made on
  2026-12-06 (nineteenth session, after held-out 34) before any later change, to be scored
  once with the default;
* ``holdout36``: a thirty-sixth held-out configuration (texture ``greyiron``, a ground grey
  cast iron face: thin dark curved graphite flakes radiating as pinwheels from the centres of
  eutectic cells, over a grinding lay, layout ``dshim``, a D-shaped shim: a disc cut by one
  straight flat, round a keyed bore, two slots either side, the face about 0.57 of the image;
  the held-out 35 kinds plus the new shape ``stringer``, and missing / extra), made on
  2026-12-06 (twentieth session, after held-out 35) before any later change, to be scored
  once with the default;
* ``holdout37``: a thirty-seventh held-out configuration (texture ``blanchard``, a rotary
  surface ground face: two families of fine curved scratches, arcs of the wheel's rim,
  crossing at an angle that changes across the face, layout ``handhole``, an elliptical handhole
  cover along the image's diagonal round a stud hole, two jacking holes and a drain hole,
  the face about 0.57 of the image; the held-out 36 kinds plus the new shape ``pigtail``,
  and missing / extra), made on 2026-12-06 (twenty-first session, after held-out 36) before
  any later change, to be scored once with the default;
* ``holdout38``: a thirty-eighth held-out configuration (texture ``freemachining``, the
  ground face of a resulphurised free-machining steel: sparse thin dark manganese sulphide
  lenses all along one rolling direction on a bright, nearly plain ground, its levels
  one-sided dark, layout ``thrustpad``, a tilting-pad thrust bearing's pad: an annular
  sector round a centre below the image, a pivot hole, two lifting holes and a thermocouple
  hole, the face about 0.44 of the image; the held-out 37 kinds plus the new shape
  ``shrinkage``, and missing / extra), made on 2026-12-07 (twenty-sixth session) before any
  later change, to be scored once with the default;
* ``holdout39``: a thirty-ninth held-out configuration (texture ``hardfaced``, a tungsten
  carbide hardfacing ground flat: sparse bright flat angular carbide grains on a darker,
  nearly plain matrix, its levels one-sided bright, layout ``starflange``, a five-lobed
  flange end-on: a disc with five round scallops between the lobes, a central bore and a
  bolt hole in each lobe, the face about 0.56 of the image; the held-out 38 kinds plus the
  new shape ``comet``, and missing / extra), made on 2026-12-07 (twenty-sixth session,
  after held-out 38) before any later change, to be scored once with the default;
* ``holdout40``: a fortieth held-out configuration (texture ``sized``, the sized face of a
  sintered powder-metal steel part: sparse dark cusped pores, the gaps between three or four
  sintered particles, of a wide spread of sizes at any turn, on a bright, nearly plain
  burnished plateau, its levels one-sided dark, layout ``tabwasher``, a double-tab lock
  washer seen flat: a ring with a long tab up and a short one to the right, a lock-wire
  hole in each, the face about 0.42 of the image; the held-out 39 kinds plus the new shape
  ``treeing``, and missing / extra), made on 2026-12-07 (twenty-sixth session, after
  held-out 39) before any later change, to be scored once with the default;
* ``holdout41``: a forty-first held-out configuration (texture ``babbitt``, the bored face
  of a tin-based white-metal bearing lining: sparse bright SbSn cuboids (squares) and Cu6Sn5
  needles and six-armed stars on a darker, nearly plain tin matrix, its levels one-sided
  bright, layout ``rack``, a straight gear rack's segment: a bar with eight trapezoid
  teeth along its top, two bolt holes and a dowel hole, the face about 0.41 of the image;
  the held-out 40 kinds plus the new shape ``dotpeen``, and missing / extra), made on
  2026-12-07 (twenty-sixth session, after held-out 40) before any later change, to be
  scored once with the default;
* ``holdout42``: a forty-second held-out configuration (texture ``wetblasted``, a wet
  (vapour) blasted face, the nozzle at a glancing angle: dense short dimples all drawn out
  along the jet, each shaded bright on one flank and dark on the other, in broad pass bands,
  over a fine satin grain, its levels two-sided (skewness about 0), layout ``dovetail``, a
  dovetail slide's end plate: a block with an undercut dovetail groove cut up into its
  bottom edge, two bolt holes and a dowel hole, the face about 0.45 of the image; the
  held-out 41 kinds plus the new shape ``layoutmark``, and missing / extra), made on
  2026-12-07 (twenty-seventh session) before any later change, to be scored once with the
  default;
* ``holdout43``: a forty-third held-out configuration (texture ``phosphated``, a manganese
  phosphated steel face: a fine mosaic of phosphate crystals under cloudy, crisp-bordered
  patches of two coat weights, half the face each, the machining lay faint below, its levels
  two-sided and bimodal, layout ``geneva``, a Geneva drive's star wheel: a disc with four
  radial slots and four concave locking arcs, a bore and four hub screw holes, the face
  about 0.56 of the image; the held-out 42 kinds plus the new shape ``rinsespots``, and
  missing / extra), made on 2026-12-07 (twenty-seventh session, after held-out 42) before
  any later change, to be scored once with the default;
* ``holdout44``: a forty-fourth held-out configuration (texture ``torn``, a finish-turned
  face of a gummy metal torn by a built-up edge: a fine turning lay with sparse dark tear
  pockets, each a scoop behind a sharp step, all facing the cutting direction, its levels
  moderately one-sided dark, layout ``tensile``, a pin-loaded flat tensile coupon: two wide
  grips joined by a straight gauge section at filleted square shoulders, a pin hole in each
  grip, the face about 0.44 of the image; the held-out 41 kinds plus the new shape
  ``knurlprint``, and missing / extra), made on 2026-12-07 (twenty-seventh session) before
  any later change, to be scored once with the default;
* ``holdout45``: a forty-fifth held-out configuration (texture ``superfinished``, a
  superfinished face: fine grit paths along sines of one wavelength at random phases,
  crossing one another at up to twice their swing off a strong lay, its levels spread both
  ways, layout ``ecore``, a transformer's E core lamination: a yoke, three legs and two
  windows open on one side, four bolt holes at its corners, the face about 0.50 of the
  image; the held-out 44 kinds plus the new shape ``chainmark``, and missing / extra), made
  on 2026-12-07 (twenty-seventh session, after held-out 44) before any later change, to be
  scored once with the default;
* ``holdout46``: a forty-sixth held-out configuration (texture ``skimmed``, a cast face
  given one light skim cut that did not clean up: a faint fine cut lay where the cut took
  the casting's high places, patches of the rough cast skin (3.5-5 times as rough) in its low
  places, its levels two-sided but its roughness uneven from place to place, layout
  ``circlip``, an internal retaining ring: an open ring whose wall tapers towards its gap,
  two lugs standing into the bore, a pliers hole in each, the face about 0.45 of the image;
  the held-out 45 kinds plus the new shape ``lockwasher``, and missing / extra), made on
  2026-12-07 (twenty-seventh session, after held-out 45) before any later change, to be
  scored once with the default;
* ``holdout47``: a forty-seventh held-out configuration (texture ``powdercoat``, a
  powder-coated face: an orange peel of one bump size shaded by the light, a dense two-sided
  powder grain and a few trapped grains, its levels two-sided, layout ``pulley``, a cast
  V-belt pulley end on: a rim ring, a hub with a keyed bore, four arms wide at the hub,
  rounded-triangle windows, two puller holes, the face about 0.55 of the image; the
  held-out 46 kinds plus the new shape ``tackweld``, and missing / extra), made on
  2026-12-07 (twenty-eighth session, after held-out 46) before any later change, to be
  scored once with the default;
* ``holdout48``: a forty-eighth held-out configuration (texture ``broached``, a broached
  face: fine parallel tool lines along the cut, each line's depth varying slowly along it,
  crossed at the broach's tooth pitch by faint step marks, slight dark tearing here and
  there, its levels two-sided, layout ``clutchplate``, a friction clutch plate: an annulus
  with six radial oil grooves through its lining, an internal spline round the bore, two
  rivet holes, the face about 0.55 of the image; the held-out 47 kinds plus the new shape
  ``fretting``, and missing / extra), made on 2026-12-07 (twenty-eighth session, beside
  held-out 47) before any later change, to be scored once with the default;
* ``holdout49``: a forty-ninth held-out configuration (texture ``flamecut``, an oxy-fuel
  flame-cut edge face: fine drag lines through the thickness bowing back more and more
  towards the bottom of the cut, a rougher upper band, sparse dark dross gouges, its levels
  two-sided, layout ``hookplate``, a lifting lug: a rounded plate with a big eye hole at its
  top and a J-shaped throat cut in from its bottom, two rivet holes, the face about 0.53 of
  the image; the held-out 48 kinds plus the new shape ``spallpit``, and missing / extra),
  made on 2026-12-07 (twenty-eighth session, beside held-outs 47 and 48) before any later
  change, to be scored once with the default;
* ``holdout50``: a fiftieth held-out configuration (texture ``etchedmatte``, an acid-etched
  matte aluminium face: a fine isotropic grain of shallow etch pits of two sizes, its
  strength drifting slowly across the face, a few faint lighter rinse streaks, its levels
  two-sided, layout ``bellcrank``, a bell-crank lever face on: two arms at a right angle
  from a round boss with a pivot hole, each ending in a rounded eye with a pin hole, a
  grease hole in the boss, the face about 0.39 of the image; the held-out 49 kinds plus the
  new shape ``pickmark``, and missing / extra), made on 2026-12-07 (twenty-eighth session,
  beside held-out 49) before any later change, to be scored once with the default;
* ``holdout51``: a fifty-first held-out configuration (texture ``beltsanded``, a
  belt-sanded face: its lay drawn per part over 0-180 degrees, dense straight scratches of
  many lengths and depths with ploughed lips, a few deeper grit scratches, a fainter second
  set a few degrees off the lay, the strength drifting along the lay, its levels two-sided,
  layout ``sectorblank``, a sector gear's blank: a fan of 72 degrees from a round hub with
  a bore, two lightening holes and a radial slot, the face about 0.39 of the image; the
  held-out 50 kinds plus the new shape ``grindburn``, and missing / extra), made on
  2026-12-07 (twenty-ninth session) before any later change, to be scored once with the
  default;
* ``holdout52``: a fifty-second held-out configuration (texture ``flycut``, a fly-cut
  face: the feed direction drawn per part over the full turn, front arcs of one large swing
  radius stepping by the feed, each a scallop of its own depth, the heel's fainter grooves
  on arcs bent the other way crossing them, its levels two-sided, layout ``ratchet``, a
  ratchet wheel: twelve saw teeth leaning one way with a bore, three lightening holes and a
  radial slot, the face about 0.45 of the image; the held-out 51 kinds plus the new shape
  ``nutprint``, and missing / extra), made on 2026-12-07 (twenty-ninth session, after
  held-out 51) before any later change, to be scored once with the default;
* ``holdout53``: a fifty-third held-out configuration (texture ``passivated``, a
  bead-blasted, then passivated stainless face: overlapping bead craters with raised lips,
  sparse sharp pits where inclusions dissolved, a faint tint mottle, no lay at all, its
  levels two-sided, layout ``motorplate``, a motor mounting plate: a square with its corners
  chamfered at 45 degrees, a pilot bore, four bolt holes and a vertical belt-tension slot,
  the face about 0.52 of the image; the held-out 52 kinds plus the new shape
  ``cornerdent``, and missing / extra), made on 2026-12-07 (twenty-ninth session, after
  held-out 52) before any later change, to be scored once with the default;
* ``holdout54``: a fifty-fourth held-out configuration (texture ``planed``, a shaper- or
  planer-finished steel face: straight parallel stroke ridges a feed of 3.5-6.5 px apart,
  each stroke its own depth, a faint chatter along the strokes, rare torn patches, a slow
  tint, the lay drawn per part over 0-180 degrees, layout ``latchplate``, a door latch's
  striker plate: a 2.5:1 rounded rectangle notched in one long edge, an off-centre latch
  window and two countersunk screw holes, the face about 0.30 of the image; the held-out
  53 kinds plus the new shape ``seamburst``, and missing / extra), made on 2026-12-07
  (thirtieth session, after held-out 53) before any later change, to be scored once with
  the default;
* ``holdout55``: a fifty-fifth held-out configuration (texture ``forgescale``, a hot-forged
  face with its mill scale: small polygonal dark flakes of drifting size over a lighter,
  finely pitted base, their coverage patchy across the part, faint flow lines at an angle
  drawn per part, a slow tint, layout ``pipeclamp``, a pipe-clamp half: a concentric
  half-annulus saddle over the bore, rectangular ears at its feet with a bolt hole each, a
  rectangular drain slot in the crown, the face about 0.26 of the image; the held-out 53
  kinds plus the new shape ``scalepocket``, and missing / extra), made on 2026-12-07
  (thirtieth session, after held-out 53) before any later change, to be scored once with
  the default;
* ``holdout56``: a fifty-sixth held-out configuration (texture ``leathergrain``, an
  injection-moulded plastic face with a leather-grain mould texture: an irregular net of soft
  rounded ridges round cells whose size drifts 4-12 px, shallow pores in some cells, a slow
  sheen, a fine micro-grain, no lay, layout ``spokewheel``, a small handwheel: a rim ring, a
  large hub with a bore and a keyway notch, five curved spokes, the openings between them
  part of the outline, the face about 0.58 of the image; the held-out 55 kinds plus the new
  shape ``knitline``, and missing / extra), made on 2026-12-07 (thirtieth session, after
  held-out 55) before any later change, to be scored once with the default;
* ``holdout57``: a fifty-seventh held-out configuration (texture ``zincflake``, a zinc-flake
  coated face: a fine grey matte of overlapping lamellar flakes with sparse bright sparkles
  of widely varying brightness, a few darker voids, a faint orange peel, no lay, its levels
  heavy-tailed on the bright side, layout ``anchorplate``, a column base plate: a square
  with four short slots along the diagonals near the corners and a central square cut-out
  with rounded corners, the face about 0.61 of the image; the held-out 55 kinds plus the
  new shape ``bubbleburst``, and missing / extra), made on 2026-12-07 (thirtieth session,
  after held-out 55) before any later change, to be scored once with the default;
* ``holdout58``: a fifty-eighth held-out configuration (texture ``granite``, a lapped
  granite surface plate: interlocking sharp-edged polygonal grains of 2-8 px of three
  phases, light feldspar, grey quartz and dark biotite flecks, each grain its own level,
  sparse tiny dark pores, a fine lapped matte, no lay, layout ``keyedcollar``, a clamp shaft
  collar face on: a ring cut through by a radial slit, a keyway notch into the bore and the
  clamp screw's hole beside the slit, the face about 0.53 of the image; the held-out 57
  kinds plus the new shape ``ringcrack``, and missing / extra), made on 2026-12-07
  (thirtieth session, after held-out 57) before any later change, to be scored once with
  the default;
* ``holdout59``: a fifty-ninth held-out configuration (texture ``chromeplate``, a bright
  decorative chrome-plated face: broad smooth bright and dark bands mirrored from the
  surroundings along a direction drawn per part, faint curved buffing swirls, a fine haze,
  sparse dark micro-pits, layout ``slottedarm``, an adjusting arm: a long bar with a round
  boss at one end holding the pivot hole and a straight adjustment slot along its axis in
  its other half, the face about 0.25 of the image; the held-out 57 kinds plus the new shape
  ``nodule``, and missing / extra), made on 2026-12-07 (thirtieth session, after held-out 57)
  before any later change, to be scored once with the default;
* ``holdout60``: a sixtieth held-out configuration (texture ``blued``, a gun-blued /
  black-oxide steel face: soft blotches of tint 20-60 px across over fine parallel polishing
  lines at an angle drawn per part, a fine matte, sparse tiny bright wear specks, layout
  ``hingeleaf``, one leaf of a butt hinge: a rectangular plate, the knuckle two rounded
  strips along its top long edge with a notch between them, three countersunk screw holes in
  a row, the face about 0.47 of the image; the held-out 59 kinds plus the new shape
  ``flake``, and missing / extra), made on 2026-12-07 (thirty-first session, after held-out
  59) before any later change, to be scored once with the default;
* ``holdout61``: a sixty-first held-out configuration (texture ``veneer``, a sanded,
  lacquered flat-sliced oak veneer face: growth rings bent into nested arches, each darkening
  from light earlywood to dark latewood and light again at once, dark pore dashes along each
  ring's start, straight fibres along the grain at an angle drawn per part, layout
  ``bayonet``, a twist-lock plate: a disc with three L-shaped bayonet slots cut in from its
  rim, a centre bore and three screw holes, the face about 0.57 of the image; the held-out 60
  kinds plus the new shape ``filiform``, and missing / extra), made on 2026-12-07
  (thirty-first session, after held-out 60) before any later change, to be scored once with
  the default;
* ``holdout62``: a sixty-second held-out configuration (texture ``sunray``, a sunray brushed
  face: fine lines radiating from a spin centre near the middle, a bow-tie sheen of two
  bright and two dull sectors, layout ``axialfan``, an axial fan's blade wheel: a hub and
  four swept blades cut on the fan's circle, a centre bore and four bolt holes, the face
  about 0.43 of the image; the held-out 61 kinds plus the new shape ``spiderweb``, and
  missing / extra), made on 2026-12-07 (thirty-second session, after held-out 61) before
  any later change, to be scored once with the default;
* ``holdout63``: a sixty-third held-out configuration (texture ``foam``, the milled face of
  a closed-cell aluminium foam panel: polygonal cells cut open into bowls shaded by the
  light, between thin light walls thickening at their junctions, layout ``busbar``, an
  offset (dog-leg) busbar link: a bar bent twice, its middle leg oblique, two bolt holes in
  each end's pad, the face about 0.41 of the image; the held-out 62 kinds plus the new shape
  ``fishscale``, and missing / extra), made on 2026-12-07 (thirty-second session, after
  held-out 62) before any later change, to be scored once with the default;
* ``local_rms``: held-outs 15 and 46 with the default and with the ``local_rms="auto"``
  option (the face signal over its local RMS; rules 57 and 57b: an option);
* ``ring_scan``: held-outs 46 and 48 with the default and with the ``ring_scan="auto"``
  option (the ring channel; rule 58: an option);
* ``lay_turn``: held-outs 48 and 51 without the lay turn and with it (the default
  ``lay_turn="auto"`` since rule 60: the jet channel whitened by the training spectrum
  turned to each part's lay, where the lay turns from part to part);
* ``contrast``: detectability: held-outs 3, 4, 5 and 7 scored with their test defects drawn
  at 1, 1.5, 2 and 3 times the generator's contrast (``contrast_scale``; the same parts, one
  fit per set), with the defect contrast in units of the texture's own sigma, and that
  contrast on held-outs 1 and 6 for comparison;
* ``energy``: the texture-energy channel (default ``"auto"``) against it off on tune
  and held-outs 1-8 (surface kinds position-free: AUROC, per kind, peak, score and fit CPU);
  ``energy_fit``: the fit of 200 images with and without it;
* ``jet``: the jet channel (default ``"auto"`` since 2026-12-05) against it off on tune and
  held-outs 1-12 (full size without ``--quick``: the figures of docs/anomaly-log.md, *The jet
  channel*); ``jet_fit``: the fit of 200 images and one score with and without it;
  ``jet_head_fit``: the same without the jet head, gated and on (*The gated jet head*);
* ``deepchan``: the texture-energy and line channels with the pretrained default extractor
  (off, both, texture energy alone) on the scikit-image textures and the generator's quick
  tune and held-out 1 sets;
* ``linescan``: the line channel (``line_scan=True``) off and on, with and without
  ``edge_band_px=6``, on tune and held-out 1-5 (texture kinds);
* ``skimage``: scikit-image's CC0 ``brick``, ``gravel``, ``grass`` photos as the face texture
  (std 4 gray levels; training crops from the left 300 columns, test crops from the right 300;
  40 training, 20 good and 6 per defect kind).

Defects: scratch, spot, dent, crack, stain (texture defects, scored position-free) and missing /
extra holes (scored position-aware, on parts aligned at their pose with a simulated match error
of 0.2 px / 0.05 deg, as a recipe's region cuts them).  Peer: the naive baseline a user would
write first: per-pixel mean and standard deviation of the training images, map
``|I - mean| / std`` smoothed like ours, image score = map maximum.

Rows: per data set the scoring time and AUROC (texture defects, per kind, and missing/extra
aligned), map peak on the defect; fit of 200 images; the EfficientNet-Lite0 extractor's time.
``--quick`` uses 40 training and fewer test images (same code, looser figures).

Times are **CPU times of one thread** (``time.process_time``; run with ``OMP_NUM_THREADS=1``,
torch set to one thread), median of repeats, beside the peer in the same process: the machine
is shared, and wall times there are several times the CPU time.  ``--part NAME`` runs one part
(``generator``, ``face``, ``holdout``, ``holdout3``, ``holdout4``, ``missing_small``, ``holdout5``,
``skimage``, ``speed``, ``tuned``, ``linescan``, ``select``, ``select5``, ``holdout6``,
``holdout7``, ``holdout8``, ``holdout9``, ``holdout10``, ``holdout11``, ``holdout12``,
``holdout13``, ``holdout14``, ``holdout15``, ``holdout16``, ``holdout17``, ``holdout18``,
``holdout19``, ``holdout20``, ``holdout20_cnn``, ``cnn_fit``, ``cnn_score``, ``skimage_cnn``,
``holdout21``, ``holdout21_cnn``, ``holdout22``, ``holdout23``, ``holdout24``, ``holdout25``,
``holdout26``, ``holdout27``, ``holdout28``, ``holdout29``, ``holdout30``, ``holdout31``,
``holdout32``, ``holdout33``, ``holdout34``, ``holdout35``, ``holdout36``, ``holdout37``,
``holdout38``, ``holdout39``, ``holdout40``, ``holdout41``, ``holdout42``, ``holdout43``,
``holdout44``, ``holdout45``, ``holdout46``, ``holdout47``, ``holdout48``, ``holdout49``,
``holdout50``, ``holdout51``, ``holdout52``, ``holdout53``, ``holdout54``, ``holdout55``,
``holdout56``, ``holdout57``, ``holdout58``, ``holdout59``, ``holdout60``, ``holdout61``,
``holdout62``, ``holdout63``, ``local_rms``, ``ring_scan``, ``lay_turn``, ``contrast``,
``energy``, ``energy_fit``, ``deepchan``;
repeatable: ``--part=face``);
``--no-deep`` leaves the pretrained rows out; ``--no-line-refine`` fits the line channel
without its refinement at the half steps (``metrology.anomaly._line_scan.REFINE``, on by
default; ``--line-refine`` is accepted and changes nothing).
"""

from __future__ import annotations

import time

import cv2
import numpy as np

from _common import Row
from metrology.anomaly import PatchCore, auroc, auroc_interval
from metrology.anomaly.hook import aligned_crop
from metrology.core.pose import Pose2D
from metrology.synth.defects import make_defect_set

TEXTURE_KINDS = ("scratch", "spot", "dent", "crack", "stain")
FEATURE_KINDS = ("missing", "extra")
JITTER = dict(placement_px=3.0, placement_deg=2.0, lighting=0.10)


class ZScoreBaseline:
    """Per-pixel mean/std of good images; map = |I - mean| / std (smoothed)."""

    def fit(self, images):
        x = np.stack([im.astype(np.float32) for im in images])
        self.mean = x.mean(0)
        self.std = x.std(0) + 1.0  # +1 gray level: 8-bit quantisation floor
        return self

    def score(self, image):
        z = np.abs(image.astype(np.float32) - self.mean) / self.std
        m = cv2.GaussianBlur(z, (0, 0), 4.0)
        return float(m.max()), m


def median_ms(fn, repeat: int = 7, warmup: int = 1) -> float:
    """Median CPU time (``time.process_time``, this process) of ``fn()`` in ms."""
    import statistics

    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append((time.process_time() - t0) * 1e3)
    return statistics.median(times)


def _near_border(res, shape, px=12):
    """Share of maps whose maximum lies within ``px`` of the image border."""
    h, w = shape
    return float(np.mean([min(r.max_xy[0], r.max_xy[1], w - 1 - r.max_xy[0],
                               h - 1 - r.max_xy[1]) < px for r in res]))


def _hit(mask, max_xy, tol_px=4):
    """Map maximum on the defect: inside its mask dilated by one 4 px feature cell."""
    k = 2 * tol_px + 1
    m = cv2.dilate(mask.astype(np.uint8), np.ones((k, k), np.uint8))
    return bool(m[int(round(max_xy[1])), int(round(max_xy[0]))])


def _align(sample, rng):
    """The part cut out at its pose plus a match error (0.2 px, 0.05 deg): a recipe region."""
    p = sample.pose
    pose = Pose2D(p.x + rng.normal(0, 0.2), p.y + rng.normal(0, 0.2),
                  p.angle_deg + rng.normal(0, 0.05), 1.0)
    h, w = sample.image.shape
    return aligned_crop(sample.image, pose, (0.0, 0.0), (w, h))


def _sets(n_train, n_good, n_per, seed, **kw):
    train = make_defect_set(n_train, (), 0, seed=seed, **JITTER, **kw)
    test = make_defect_set(n_good, TEXTURE_KINDS + FEATURE_KINDS, n_per, seed=seed + 1,
                           **JITTER, **kw)
    return train, test


#: good parts scored beside a held-out set's own (``extra_good``, parts ``holdout6``-``9``):
#: with 15 good test parts a quick set's AUROC moved by up to 0.03 against the same defects
#: ranked among 75 good parts (2026-12-04/05 night, docs/anomaly-log.md *How noisy a quick set is*)
EXTRA_GOOD = 60
#: the extra good parts' seed: the set's training seed plus this
EXTRA_GOOD_SEED = 5000


def _evaluate(pc, train, test, aligned=True, surface=TEXTURE_KINDS, extra_good=None):
    """AUROC of texture defects (position-free; ``surface``), per kind, map hits, and aligned
    missing/extra AUROC (a second bank fitted on the aligned training parts); with
    ``extra_good`` (images of more good parts) the same AUROC against every good part, with a
    90 % bootstrap interval."""
    kinds = np.array([s.kind for s in test])
    res = [pc.score(s.image) for s in test]
    sc = np.array([r.score for r in res])
    good = sc[kinds == "good"]
    tex = auroc(good, sc[np.isin(kinds, surface)])
    per = {k: auroc(good, sc[kinds == k]) for k in surface}
    more = None
    if extra_good is not None:
        allg = np.r_[good, [pc.score(im).score for im in extra_good]]
        bad = sc[np.isin(kinds, surface)]
        more = {"n_good": int(len(allg)), "auroc": auroc(allg, bad),
                "interval_90": auroc_interval(allg, bad),
                "interval_90_own_goods": auroc_interval(good, bad),
                "per_kind": {k: auroc(allg, sc[kinds == k]) for k in surface}}
    hits = float(np.mean([_hit(s.mask, r.max_xy) for s, r in zip(test, res)
                          if s.kind in surface]))
    border = _near_border([r for s, r in zip(test, res) if s.kind == "good"],
                          test[0].image.shape[:2])
    out = {"auroc": tex, "per_kind": per, "hits": hits, "good_peak_near_border": border}
    if more is not None:
        out["more_goods"] = more
    if aligned:
        rng = np.random.default_rng(0)
        pa = PatchCore(pc.features, pc.settings).fit([_align(s, rng) for s in train])
        sa = np.array([pa.score(_align(s, rng), aligned=True).score for s in test])
        ga = sa[kinds == "good"]
        out["aligned"] = {k: auroc(ga, sa[kinds == k]) for k in FEATURE_KINDS}
        out["aligned_texture_auroc"] = auroc(ga, sa[np.isin(kinds, surface)])
        if pa.settings.select != "off":
            out["aligned_select"] = pa.info.get("select")
    return out


def _fmt(e):
    per = " ".join(f"{k} {v:.3f}" for k, v in e["per_kind"].items())
    s = (f"AUROC {e['auroc']:.3f} ({per}), peak on defect {100 * e['hits']:.0f} %, good maps "
         f"peaking < 12 px from the border {100 * e['good_peak_near_border']:.0f} %")
    if "more_goods" in e:
        m = e["more_goods"]
        lo, hi = m["interval_90_own_goods"]
        s += (f"; 90 % interval [{lo:.3f}, {hi:.3f}]; against {m['n_good']} good parts "
              f"{m['auroc']:.3f} [{m['interval_90'][0]:.3f}, {m['interval_90'][1]:.3f}] (" +
              " ".join(f"{k} {v:.3f}" for k, v in m["per_kind"].items()) + ")")
    if "aligned" in e:
        s += (f"; aligned: missing {e['aligned']['missing']:.3f} extra "
              f"{e['aligned']['extra']:.3f} texture {e['aligned_texture_auroc']:.3f}")
    return s


def _deep_available() -> bool:
    try:
        from metrology.anomaly.efficientnet import EfficientNetFeatures

        EfficientNetFeatures()
        return True
    except ImportError:
        return False


def _generator(quick, deep, rows, rep):
    n_train, n_good, n_per = (40, 15, 6) if quick else (100, 30, 12)
    sets = {"tune (plate, brushed)": dict(layout="plate", texture="brushed", seed=100),
            "held-out (bracket, milled)": dict(layout="bracket", texture="milled", seed=200)}
    for name, kw in sets.items():
        train, test = _sets(n_train, n_good, n_per, **kw)
        imgs = [s.image for s in train]
        pc = PatchCore().fit(imgs)
        base = ZScoreBaseline().fit(imgs)
        e = _evaluate(pc, train, test)
        kinds = np.array([s.kind for s in test])
        bs = np.array([base.score(s.image)[0] for s in test])
        b_auc = auroc(bs[kinds == "good"], bs[np.isin(kinds, TEXTURE_KINDS)])
        img = test[-1].image
        rows.append(Row(f"anomaly {name}: score 256x256 classical", median_ms(
            lambda pc=pc, img=img: pc.score(img), repeat=rep), "per-pixel z-score",
            median_ms(lambda base=base, img=img: base.score(img), repeat=rep),
            f"{_fmt(e)}; z-score AUROC {b_auc:.3f}", e))
        _print(rows[-1])
        if deep:
            pd = PatchCore("efficientnet-lite0").fit(imgs)
            ed = _evaluate(pd, train, test, aligned=False)
            rows.append(Row(f"anomaly {name}: score 256x256 efficientnet-lite0",
                            median_ms(lambda pd=pd, img=img: pd.score(img), repeat=5),
                            "classical", median_ms(lambda pc=pc, img=img: pc.score(img),
                                                   repeat=rep),
                            _fmt(ed), ed))
            _print(rows[-1])


def _face(quick, deep, rows, rep):
    """Border artefacts: the face fills the image (layout ``face``, texture ``blasted``)."""
    n_train, n_good, n_per = (40, 15, 4) if quick else (100, 40, 8)
    kw = dict(layout="face", texture="blasted", **JITTER)
    train = make_defect_set(n_train, (), 0, seed=300, **kw)
    test = make_defect_set(n_good, TEXTURE_KINDS, n_per, seed=301, **kw)
    imgs = [s.image for s in train]
    for feats in ("classical",) + (("efficientnet-lite0",) if deep else ()):
        pc = PatchCore(feats).fit(imgs)
        e = _evaluate(pc, train, test, aligned=False)
        img = test[0].image
        rows.append(Row(f"anomaly face (blasted, no edges): score {feats}",
                        median_ms(lambda pc=pc, img=img: pc.score(img), repeat=rep), "-",
                        float("nan"), _fmt(e), e))
        _print(rows[-1])


def _holdout(quick, deep, rows, rep):
    """The second held-out configuration, made before the face-set work of 2026-12-03 (evening)
    and never looked at while tuning: a new texture family (``peened``: overlapping dimples)
    on the ``flange`` layout (texture defects position-free, missing/extra position-aware) and
    on the ``face`` layout (the face filling the image)."""
    sets = {"held-out 2 (flange, peened)": (dict(layout="flange", texture="peened", seed=700),
                                            (40, 15, 6) if quick else (100, 30, 12), True),
            "held-out 2 face (face, peened)": (dict(layout="face", texture="peened", seed=710),
                                               (40, 15, 4) if quick else (100, 40, 8), False)}
    for name, (kw, (n_train, n_good, n_per), aligned) in sets.items():
        seed = kw.pop("seed")
        train = make_defect_set(n_train, (), 0, seed=seed, **JITTER, **kw)
        test = make_defect_set(n_good, TEXTURE_KINDS + (FEATURE_KINDS if aligned else ()),
                               n_per, seed=seed + 1, **JITTER, **kw)
        imgs = [s.image for s in train]
        for feats in ("classical",) + (("efficientnet-lite0",) if deep else ()):
            pc = PatchCore(feats).fit(imgs)
            e = _evaluate(pc, train, test, aligned=aligned and feats == "classical")
            img = test[0].image
            rows.append(Row(f"anomaly {name}: score {feats}",
                            median_ms(lambda pc=pc, img=img: pc.score(img), repeat=rep), "-",
                            float("nan"), _fmt(e), e))
            _print(rows[-1])


#: the option tried on the night of 2026-12-03 for fine random textures (feature compression 4,
#: bank of 2048): better on the blasted and peened faces it was chosen on, worse on the third
#: held-out configuration and on brick, so not the default
FINE_TEXTURE = dict(compress=4.0, max_bank=2048)

#: defect kinds of the third held-out configuration: the five texture kinds plus two shapes
#: the generator did not have while the defaults were chosen (corrosion pits, a tool gouge)
HOLDOUT3_KINDS = TEXTURE_KINDS + ("pits", "gouge")


def _holdout3(quick, deep, rows, rep):
    """The third held-out configuration, made on 2026-12-03 (night) before that night's tuning
    and only scored at its end: texture family ``honed`` (a cross-hatch of fine grooves), layout
    ``rail`` (two long slots, five holes) and two new defect shapes (``pits``, ``gouge``) beside
    the five texture kinds; missing/extra holes position-aware."""
    n_train, n_good, n_per = (40, 15, 6) if quick else (100, 30, 12)
    kw = dict(layout="rail", texture="honed", **JITTER)
    train = make_defect_set(n_train, (), 0, seed=900, **kw)
    test = make_defect_set(n_good, HOLDOUT3_KINDS + FEATURE_KINDS, n_per, seed=901, **kw)
    imgs = [s.image for s in train]
    configs = [("classical", {}), ("classical, compress 4, bank 2048", FINE_TEXTURE)]
    for feats, kw in configs + ([("efficientnet-lite0", {})] if deep else []):
        pc = PatchCore(feats.split(",")[0], **kw).fit(imgs)
        e = _evaluate(pc, train, test, aligned=feats == "classical",
                      surface=HOLDOUT3_KINDS)
        img = test[0].image
        rows.append(Row(f"anomaly held-out 3 (rail, honed, +pits/gouge): score {feats}",
                        median_ms(lambda pc=pc, img=img: pc.score(img), repeat=rep), "-",
                        float("nan"), _fmt(e), e))
        _print(rows[-1])


#: defect kinds of the fourth held-out configuration: the five texture kinds plus two shapes
#: the generator did not have before 2026-12-04 (a hairline scratch, chatter marks)
HOLDOUT4_KINDS = TEXTURE_KINDS + ("hairline", "chatter")


def _holdout4(quick, deep, rows, rep):
    """The fourth held-out configuration, made on 2026-12-04 before that session's changes and
    only scored at its end: texture family ``cast`` (multi-scale roughness with pores), layout
    ``yoke`` (two diagonal slots, four holes) and two new defect shapes (``hairline``,
    ``chatter``) beside the five texture kinds; missing/extra holes position-aware."""
    n_train, n_good, n_per = (40, 15, 6) if quick else (100, 30, 12)
    kw = dict(layout="yoke", texture="cast", **JITTER)
    train = make_defect_set(n_train, (), 0, seed=1100, **kw)
    test = make_defect_set(n_good, HOLDOUT4_KINDS + FEATURE_KINDS, n_per, seed=1101, **kw)
    imgs = [s.image for s in train]
    from metrology.anomaly import ClassicalFeatures

    configs = {"classical": "classical",
               "classical, long lines": ClassicalFeatures(long_lines=True)}
    if deep:
        configs["efficientnet-lite0"] = "efficientnet-lite0"
    for feats, extractor in configs.items():
        pc = PatchCore(extractor).fit(imgs)
        e = _evaluate(pc, train, test, aligned=feats == "classical", surface=HOLDOUT4_KINDS)
        img = test[0].image
        rows.append(Row(f"anomaly held-out 4 (yoke, cast, +hairline/chatter): score {feats}",
                        median_ms(lambda pc=pc, img=img: pc.score(img), repeat=rep), "-",
                        float("nan"), _fmt(e), e))
        _print(rows[-1])


def _missing_small(quick, deep, rows, rep):
    """Missing / extra small features, made on 2026-12-04 before the edge-support check and
    scored once with the code before it: layout ``ladder`` (two slots, ten holes of radius
    4.1-8.2 px), texture ``blasted`` (never used on a part with features), extra holes of the
    same radii (``metrology.synth._missing_features``); position-aware on aligned parts."""
    from metrology.synth._missing_features import make_feature_set

    n_train, n_good, n_per = (40, 15, 6) if quick else (100, 30, 12)
    train = make_feature_set(n_train, 0, seed=1300, **JITTER)
    test = make_feature_set(n_good, n_per, seed=1301, **JITTER)
    rng = np.random.default_rng(0)
    pc = PatchCore().fit([_align(s, rng) for s in train])
    crops = [_align(s, rng) for s in test]
    sc = np.array([pc.score(c, aligned=True).score for c in crops])
    kinds = np.array([s.kind for s in test])
    good = sc[kinds == "good"]
    e = {k: auroc(good, sc[kinds == k]) for k in FEATURE_KINDS}
    caught = sorted((round(s.defects[0].size_px, 1), bool(v > good.max()))
                    for s, v in zip(test, sc) if s.kind == "missing")
    e["missing_radius_caught"] = caught
    rows.append(Row("anomaly missing/extra small (ladder, blasted): score aligned",
                    median_ms(lambda: pc.score(crops[0], aligned=True), repeat=rep),
                    "position-free", median_ms(lambda: pc.score(crops[0]), repeat=rep),
                    f"aligned AUROC missing {e['missing']:.3f} extra {e['extra']:.3f}; "
                    f"missing (radius px, above every good): {caught}", e))
    _print(rows[-1])


#: defect kinds of the fifth held-out configuration: every surface kind of the generator plus
#: ``scuff`` (a rubbed, polished patch of fine streaks), new on 2026-12-04 (afternoon)
HOLDOUT5_KINDS = TEXTURE_KINDS + ("pits", "gouge", "hairline", "chatter", "scuff")


def _holdout5(quick, deep, rows, rep):
    """The fifth held-out configuration, made on 2026-12-04 (afternoon) before that session's
    changes: texture family ``sintered`` (rounded grains, pores on their boundaries), layout
    ``bridge`` and the new shape ``scuff`` beside the generator's nine surface kinds;
    missing/extra holes position-aware.  Scored once before and once after the changes (the
    ``edge_band_px`` option of that session only after them)."""
    n_train, n_good, n_per = (40, 15, 6) if quick else (100, 30, 12)
    kw = dict(layout="bridge", texture="sintered", **JITTER)
    train = make_defect_set(n_train, (), 0, seed=1300, **kw)
    test = make_defect_set(n_good, HOLDOUT5_KINDS + FEATURE_KINDS, n_per, seed=1301, **kw)
    for label, opts in (("classical", {}), ("classical, face only (edge band 6 px)",
                                            dict(edge_band_px=6.0, select="off"))):
        pc = PatchCore(**opts).fit([s.image for s in train])
        e = _evaluate(pc, train, test, aligned=not opts, surface=HOLDOUT5_KINDS)
        img = test[0].image
        rows.append(Row(f"anomaly held-out 5 (bridge, sintered, +scuff): score {label}",
                        median_ms(lambda pc=pc, img=img: pc.score(img), repeat=rep), "-",
                        float("nan"),
                        _fmt(e), e))
        _print(rows[-1])


#: the quick sets of the line-channel comparison (layout, texture, training seed, surface kinds):
#: tune and held-out 1-5 as the parts above draw them (texture kinds only)
LINE_SETS = {"tune (plate, brushed)": ("plate", "brushed", 100, TEXTURE_KINDS),
             "held-out (bracket, milled)": ("bracket", "milled", 200, TEXTURE_KINDS),
             "held-out 2 (flange, peened)": ("flange", "peened", 700, TEXTURE_KINDS),
             "held-out 3 (rail, honed)": ("rail", "honed", 900, HOLDOUT3_KINDS),
             "held-out 4 (yoke, cast)": ("yoke", "cast", 1100, HOLDOUT4_KINDS),
             "held-out 5 (bridge, sintered)": ("bridge", "sintered", 1300, HOLDOUT5_KINDS)}
#: the four configurations compared: the line channel off / on, whole part / face only
#: (the fit-time selection off, as when they were measured: it is the default since)
LINE_CONFIGS = (("classical", dict(line_scan=False, select="off")),
                ("classical + line channel", dict(line_scan=True, select="off")),
                ("face only (edge band 6 px)", dict(edge_band_px=6.0, line_scan=False,
                                                    select="off")),
                ("face only + line channel", dict(edge_band_px=6.0, line_scan=True,
                                                  select="off")))


def _linescan(quick, deep, rows, rep):
    """The line channel (``line_scan``, 2026-12-04 evening) off and on, with and without the
    face-only option, on tune and held-out 1-5: texture kinds position-free (the missing /
    extra holes are the position-aware check's, unchanged by it).  Held-out 5 was scored
    with it once, after the channel's constants were chosen on the other sets."""
    n_train, n_good, n_per = (40, 15, 6) if quick else (100, 30, 12)
    for name, (layout, texture, seed, kinds) in LINE_SETS.items():
        kw = dict(layout=layout, texture=texture, **JITTER)
        train = [s.image for s in make_defect_set(n_train, (), 0, seed=seed, **kw)]
        test = make_defect_set(n_good, kinds, n_per, seed=seed + 1, **kw)
        for label, opts in LINE_CONFIGS:
            pc = PatchCore(**opts).fit(train)
            e = _evaluate(pc, None, test, aligned=False, surface=kinds)
            img = test[-1].image
            rows.append(Row(f"anomaly {name}: {label}",
                            median_ms(lambda pc=pc, img=img: pc.score(img), repeat=rep), "-",
                            float("nan"), _fmt(e), e))
            _print(rows[-1])


def _select(quick, deep, rows, rep, sets=("tune (plate, brushed)", "held-out (bracket, milled)",
                                           "held-out 2 (flange, peened)",
                                           "held-out 3 (rail, honed)", "held-out 4 (yoke, cast)")):
    """``select="auto"`` (2026-12-04 evening): the edge band chosen at fit from the good images
    themselves (painted copies of held-back ones) against the defaults, on the line-channel
    sets (texture kinds position-free; missing / extra position-aware with selection on, the
    aligned bank choosing for itself).  Held-out 5 is the part ``select5``, scored once;
    held-out 6 the part ``select6``."""
    n_train, n_good, n_per = (40, 15, 6) if quick else (100, 30, 12)
    for name in sets:
        layout, texture, seed, kinds = LINE_SETS[name]
        kw = dict(layout=layout, texture=texture, **JITTER)
        train = make_defect_set(n_train, (), 0, seed=seed, **kw)
        test = make_defect_set(n_good, kinds + FEATURE_KINDS, n_per, seed=seed + 1, **kw)
        imgs = [s.image for s in train]
        for label, opts in (("select off (the former default)", dict(select="off")),
                            ("select auto (default)", dict(select="auto"))):
            _fit_and_score(f"anomaly {name}: {label}", opts, imgs, train, test, kinds,
                           opts["select"] == "auto", rows, rep)


def _select5(quick, deep, rows, rep):
    """Held-out 5 with ``select="auto"``, scored once after the selection was settled."""
    _select(quick, deep, rows, rep, sets=("held-out 5 (bridge, sintered)",))


def _skimage(quick, deep, rows, rep):
    """scikit-image's CC0 textures with the project's defects (plate layout)."""
    from skimage import data

    for tex in ("brick", "gravel", "grass"):
        photo = getattr(data, tex)()
        kw = dict(shape=(256, 256), texture_amplitude=4.0, **JITTER)
        # a smaller sample than the generator sets (as docs/anomaly.md reports it)
        n_tr, n_g, n_p = (40, 20, 6) if not quick else (20, 10, 3)
        train = make_defect_set(n_tr, (), 0, seed=400, texture=photo[:, :300], **kw)
        test = make_defect_set(n_g, TEXTURE_KINDS, n_p, seed=401, texture=photo[:, 212:], **kw)
        imgs = [s.image for s in train]
        pc = PatchCore().fit(imgs)
        e = _evaluate(pc, train, test, aligned=False)
        acc = f"classical {_fmt(e)}"
        img = test[0].image
        peer, peer_ms, ours_ms = "classical", float("nan"), median_ms(
            lambda pc=pc, img=img: pc.score(img), repeat=rep)
        if deep:
            pd = PatchCore("efficientnet-lite0").fit(imgs)
            ed = _evaluate(pd, train, test, aligned=False)
            acc += f"; efficientnet-lite0 {_fmt(ed)}"
            e = {"classical": e, "efficientnet-lite0": ed}
            peer, peer_ms = "efficientnet-lite0", median_ms(
                lambda pd=pd, img=img: pd.score(img), repeat=5)
        rows.append(Row(f"anomaly skimage {tex}: score classical", ours_ms, peer, peer_ms,
                        acc, e))
        _print(rows[-1])


def _speed(quick, deep, rows, rep):
    """Fit of 200 images (the coreset is the cost: subsample, project, then greedy)."""
    train, _ = _sets(200 if not quick else 60, 0, 0, layout="plate", texture="brushed",
                     seed=500)
    imgs = [s.image for s in train]
    t0, c0 = time.perf_counter(), time.process_time()
    pc = PatchCore().fit(imgs)
    fit_ms, fit_wall = (time.process_time() - c0) * 1e3, time.perf_counter() - t0
    c0 = time.process_time()
    ZScoreBaseline().fit(imgs)
    rows.append(Row(f"anomaly: fit {len(imgs)} images classical", fit_ms, "per-pixel z-score fit",
                    (time.process_time() - c0) * 1e3,
                    f"wall {fit_wall:.1f} s; bank {pc.bank_size} x {pc.info['feature_dim']} from "
                    f"{pc.info['patches_total']} patches; features "
                    f"{pc.info['feature_seconds']:.1f} s, coreset {pc.info['coreset_seconds']:.1f} s",
                    dict(pc.info)))
    _print(rows[-1])
    img = imgs[0]
    rows.append(Row("anomaly: score 256x256 classical (tune bank of 200)",
                    median_ms(lambda: pc.score(img), repeat=4 * rep), "position-aware",
                    median_ms(lambda: pc.score(img, aligned=True), repeat=4 * rep)))
    _print(rows[-1])
    _loaded_speed(pc, img, rows, 4 * rep)
    if deep:
        from metrology.anomaly.efficientnet import EfficientNetFeatures

        f1 = EfficientNetFeatures(threads=1)
        rows.append(Row("anomaly: efficientnet-lite0 features 256x256 (1 thread)",
                        median_ms(lambda: f1(img), repeat=rep), "classical features",
                        median_ms(lambda: pc.features(img), repeat=rep),
                        f"grid {f1(img).shape}"))
        _print(rows[-1])
        _onnx_speed(f1, img, rows, rep)
        t0, c0 = time.perf_counter(), time.process_time()
        pd = PatchCore(EfficientNetFeatures(threads=1)).fit(imgs[:40])
        rows.append(Row("anomaly: fit 40 images efficientnet-lite0 (1 thread)",
                        (time.process_time() - c0) * 1e3, "-", float("nan"),
                        f"wall {time.perf_counter() - t0:.1f} s; bank {pd.bank_size}"))
        _print(rows[-1])


#: run in a fresh interpreter: load the bank, score the image, print the median CPU time (ms;
#: system time included, which page faults cost) and the minor page faults per score
_LOADED_SCORE = """
import resource, statistics, sys, time
import numpy as np
from metrology.anomaly import PatchCore
pc, img, n = PatchCore.load(sys.argv[1]), np.load(sys.argv[2]), int(sys.argv[3])
for _ in range(3):
    pc.score(img)
times, f0 = [], resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(n):
    t0 = time.process_time()
    pc.score(img)
    times.append((time.process_time() - t0) * 1e3)
print(statistics.median(times), (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / n)
"""


def _loaded_speed(pc, img, rows, n):
    """Scoring from a bank loaded in a fresh process, as the CLI and a recipe run (a process
    that fitted the bank itself raised glibc's adaptive thresholds with its own frees), beside
    the same with ``METROLOGY_KEEP_FREED=0`` (the allocator left as it is: every score's
    temporaries mapped afresh; ``metrology._memory``)."""
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    got = {}
    with tempfile.TemporaryDirectory() as tmp:
        bank, image = pc.save(Path(tmp) / "bank.npz"), Path(tmp) / "img.npy"
        np.save(image, img)
        for keep in ("1", "0"):
            env = dict(os.environ, METROLOGY_KEEP_FREED=keep,
                       PYTHONPATH=os.pathsep.join(
                           [root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
            out = subprocess.run([sys.executable, "-c", _LOADED_SCORE, str(bank), str(image),
                                  str(n)], env=env, capture_output=True, text=True, check=True)
            got[keep] = [float(v) for v in out.stdout.split()[-2:]]
    rows.append(Row("anomaly: score 256x256 from a loaded bank (fresh process)", got["1"][0],
                    "METROLOGY_KEEP_FREED=0", got["0"][0],
                    f"page faults per score {got['1'][1]:.0f} / {got['0'][1]:.0f}"))
    _print(rows[-1])


def _onnx_speed(f1, img, rows, rep):
    """The same trunk exported to ONNX and run by OpenCV's DNN module (no torch), one thread,
    beside torch: time and the largest feature difference (skipped without ``onnx``)."""
    import tempfile

    try:
        import onnx  # noqa: F401
    except ImportError:
        print("anomaly: ONNX trunk skipped (the onnx package is not installed)")
        return
    from metrology.anomaly import OnnxLite0Features, export_lite0_onnx

    with tempfile.TemporaryDirectory() as tmp:
        fo = OnnxLite0Features(export_lite0_onnx(f"{tmp}/trunk.onnx", img.shape[:2], f1),
                               threads=1)
        a, b = f1(img), fo(img)
        rows.append(Row("anomaly: efficientnet-lite0 features 256x256, ONNX in cv2.dnn "
                        "(1 thread)",
                        median_ms(lambda: fo(img), repeat=rep), "the same trunk in torch",
                        median_ms(lambda: f1(img), repeat=rep),
                        f"max |diff| {float(np.abs(a - b).max()):.1e} for features up to "
                        f"{float(np.abs(a).max()):.0f}"))
    _print(rows[-1])


#: the pretrained configuration tuned on skimage grass and gravel (stages, contrast gain,
#: patch size, top-k: benchmarks only the four); brick, the generator's held-out set and the
#: face set were not used to choose it
TUNED = dict(stages=(3, 5), contrast_gain=4.0, patch_size=1, top_k=1)
#: the same with stage 2 added (stride 4) and the map smoothed by half a cell, chosen on grass
#: on 2026-12-04 (grass 0.950, gravel 0.982, brick 1.000; held-out bracket 0.880)
TUNED_STAGE2 = dict(stages=(2, 3, 5), contrast_gain=4.0, patch_size=1, top_k=1,
                    smoothing_sigma=2.0)


def _tuned(quick, deep, rows, rep):
    """The tuned pretrained configuration on the skimage textures (grass and gravel: tuned on;
    brick: not) and, held out, on the generator's held-out and face sets (40 training parts,
    15 good and 6 of each texture defect: a smaller sample than the generator rows)."""
    from skimage import data

    from metrology.anomaly.efficientnet import EfficientNetFeatures

    if not deep:
        return
    sets = {}
    for tex in ("brick", "gravel", "grass"):
        photo = getattr(data, tex)()
        kw = dict(shape=(256, 256), texture_amplitude=4.0, **JITTER)
        sets[f"skimage {tex}"] = (
            make_defect_set(40, (), 0, seed=400, texture=photo[:, :300], **kw),
            make_defect_set(20, TEXTURE_KINDS, 6, seed=401, texture=photo[:, 212:], **kw))
    for name, kw in (("held-out (bracket, milled)", dict(layout="bracket", texture="milled")),
                     ("face (blasted)", dict(layout="face", texture="blasted"))):
        sets[name] = (make_defect_set(40, (), 0, seed=600, **JITTER, **kw),
                      make_defect_set(15, TEXTURE_KINDS, 6, seed=601, **JITTER, **kw))
    for label, tuned in (("tuned", TUNED), ("tuned with stage 2", TUNED_STAGE2)):
        t = dict(tuned)
        ex = EfficientNetFeatures(t.pop("stages"), contrast_gain=t.pop("contrast_gain"))
        _tuned_rows(label, ex, t, sets, rows)


def _tuned_rows(label, ex, t, sets, rows):
    for name, (train, test) in sets.items():
        pc = PatchCore(ex, **t).fit([s.image for s in train])
        e = _evaluate(pc, train, test, aligned=False)
        img = test[0].image
        rows.append(Row(f"anomaly {name}: score {label} efficientnet-lite0",
                        median_ms(lambda pc=pc, img=img: pc.score(img), repeat=5), "-",
                        float("nan"), _fmt(e), e))
        _print(rows[-1])


#: the sixth held-out configuration (made 2026-12-04 late evening, before that session's change
#: to the fit-time selection): a texture family and a layout new to the generator, its ten
#: surface kinds and the position-aware missing / extra features
#: (layout, texture, training seed, surface kinds).  Its first texture, ``knurled``, left every
#: configuration at AUROC 1.000 (part ``holdout6_knurled``: nothing to compare on), so the
#: set was remade with ``faced`` before anything of the selection was changed or scored on it
HOLDOUT6_SET = ("clevis", "faced", 1500, HOLDOUT5_KINDS)
HOLDOUT6_KNURLED = ("clevis", "knurled", 1500, HOLDOUT5_KINDS)
#: the configurations scored on it: today's default, the face-only band, the fit-time selection
HOLDOUT6_CONFIGS = (("select off (the former default)", dict(select="off")),
                    ("face only (edge band 6 px)", dict(edge_band_px=6.0, select="off")),
                    ("select auto (default)", dict(select="auto")))


def _holdout6(quick, deep, rows, rep, configs=HOLDOUT6_CONFIGS, which=HOLDOUT6_SET,
              title="held-out 6"):
    """The sixth held-out configuration: texture ``faced`` (cast, then face-turned), layout ``clevis``,
    the ten surface kinds position-free and missing / extra position-aware (on parts aligned
    at their pose, a bank of the same settings).  Scored once per configuration and change."""
    n_train, n_good, n_per = (40, 15, 6) if quick else (100, 30, 12)
    layout, texture, seed, kinds = which
    kw = dict(layout=layout, texture=texture, **JITTER)
    train = make_defect_set(n_train, (), 0, seed=seed, **kw)
    test = make_defect_set(n_good, kinds + FEATURE_KINDS, n_per, seed=seed + 1, **kw)
    imgs = [s.image for s in train]
    extra = [s.image for s in make_defect_set(EXTRA_GOOD, (), 0, seed=seed + EXTRA_GOOD_SEED,
                                               **kw)]
    for label, opts in configs:
        _fit_and_score(f"anomaly {title} ({layout}, {texture}): {label}", opts, imgs, train,
                       test, kinds, True, rows, rep, extra_good=extra)


def _fit_and_score(name, opts, imgs, train, test, kinds, aligned, rows, rep, extra_good=None):
    """Fit a bank with ``opts`` (CPU timed), evaluate it and append its row (selection parts)."""
    t0 = time.process_time()
    pc = PatchCore(**opts).fit(imgs)
    fit_ms = (time.process_time() - t0) * 1e3
    e = _evaluate(pc, train, test, aligned=aligned, surface=kinds, extra_good=extra_good)
    e["fit_cpu_ms"] = round(fit_ms, 1)
    e["select"] = pc.info.get("select")
    img = test[0].image
    rows.append(Row(name, median_ms(lambda: pc.score(img), repeat=rep), "-", float("nan"),
                    f"{_fmt(e)}; fit {fit_ms:.0f} ms CPU; select {e['select']}", e))
    _print(rows[-1])


PARTS = {"generator": _generator, "face": _face, "holdout": _holdout, "holdout3": _holdout3,
         "holdout4": _holdout4, "skimage": _skimage, "speed": _speed, "tuned": _tuned,
         "missing_small": _missing_small}
PARTS["holdout5"] = _holdout5
PARTS["linescan"] = _linescan
PARTS["select"] = _select
PARTS["select5"] = _select5
PARTS["holdout6"] = _holdout6
PARTS["select6"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:])
PARTS["holdout6_knurled"] = lambda *a: _holdout6(*a, which=HOLDOUT6_KNURLED)
#: the seventh held-out configuration (made 2026-12-04 night, before that session's changes to
#: the fit-time selection): texture ``scraped`` and layout ``manifold``, both new, the ten
#: surface kinds and missing / extra; scored with the default, and once with a 10 px band
#: candidate that was not kept (docs/anomaly-log.md, *Held-out 7*)
HOLDOUT7_SET = ("manifold", "scraped", 1700, HOLDOUT5_KINDS)
PARTS["holdout7"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT7_SET,
                                         title="held-out 7")
#: the eighth held-out configuration (made 2026-12-04 late night, before that session's
#: change): texture ``eroded`` (EDM craters) and layout ``grille`` (a slot array), both new,
#: the ten surface kinds and missing / extra; scored once with the default before the change
#: and once after it (docs/anomaly-log.md, *Held-out 8*)
HOLDOUT8_SET = ("grille", "eroded", 1900, HOLDOUT5_KINDS)
PARTS["holdout8"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT8_SET,
                                         title="held-out 8")
#: the ninth held-out configuration (made 2026-12-04/05 night, before that session's changes):
#: texture ``lapped`` (random-orbit swirl arcs) and layout ``hub`` (a central bore, a bolt circle
#: of six holes, a keyway), both new, the ten surface kinds plus the new shape ``fingerprint``,
#: and missing / extra; scored once with the default (docs/anomaly-log.md, *Held-out 9*)
HOLDOUT9_SET = ("hub", "lapped", 2100, HOLDOUT5_KINDS + ("fingerprint",))
PARTS["holdout9"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT9_SET,
                                         title="held-out 9")
#: the tenth held-out configuration (made 2026-12-05 night, before that session's fit-time
#: fusion change): texture ``ground`` (surface-ground scratches along one lay) and layout
#: ``lever`` (a long arm: end holes, a slot at 7 degrees, a hole above it), both new, the ten
#: surface kinds plus ``fingerprint``, and missing / extra; scored once with the default
#: (docs/anomaly-log.md, *Held-out 10*)
HOLDOUT10_SET = ("lever", "ground", 2300, HOLDOUT5_KINDS + ("fingerprint",))
PARTS["holdout10"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT10_SET,
                                          title="held-out 10")
#: the eleventh held-out configuration (made 2026-12-05 early morning, before that session's
#: changes): texture ``spangle`` (hot-dip galvanised: Voronoi grains, each with its own
#: brightness and dendrites, thin darker boundaries) and layout ``strip`` (six holes in a row,
#: two rounded windows, a V-notch in the right edge), both new, the ten surface kinds plus
#: ``fingerprint`` and the new shape ``blister``, and missing / extra; scored once with the
#: default (docs/anomaly-log.md, *Held-out 11*)
HOLDOUT11_SET = ("strip", "spangle", 2500, HOLDOUT5_KINDS + ("fingerprint", "blister"))
PARTS["holdout11"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT11_SET,
                                          title="held-out 11")
#: the twelfth held-out configuration (made 2026-12-05 early morning, after that session's jet
#: channel and before any later change): texture ``woven`` (carbon-fibre 2/2 twill: streaked
#: warp and weft tows, darker gaps, resin haze) and layout ``bezel`` (a large central rounded
#: window, four corner holes, two slots on the left), both new, the ten surface kinds plus
#: ``fingerprint``, ``blister`` and the new shape ``inclusion``, and missing / extra; scored
#: once with the default (docs/anomaly-log.md, *Held-out 12*)
HOLDOUT12_SET = ("bezel", "woven", 2700, HOLDOUT5_KINDS + ("fingerprint", "blister", "inclusion"))
PARTS["holdout12"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT12_SET,
                                          title="held-out 12")
#: the thirteenth held-out configuration (made 2026-12-05, second session of the day, after the
#: jet channel and before any later change): texture ``painted`` (powder coat: orange-peel
#: shading, sparse metallic flakes, faint overspray) and layout ``panel`` (a connector cut-out
#: between two mounting holes, five vent holes, a countersunk hole on the right), both new, the
#: ten surface kinds plus ``fingerprint``, ``blister``, ``inclusion`` and the new shape
#: ``corrosion``, and missing / extra; scored once with the default (docs/anomaly.md,
#: *Held-out 13*)
HOLDOUT13_SET = ("panel", "painted", 2900,
                 HOLDOUT5_KINDS + ("fingerprint", "blister", "inclusion", "corrosion"))
PARTS["holdout13"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT13_SET,
                                          title="held-out 13")
#: the fourteenth held-out configuration (made 2026-12-05, third session of the day, before
#: any later change): texture ``swirled`` (orbital-sanded: a few hundred short curved sanding
#: marks, arcs of small epicycloid loops of no common direction, over a faint grain) and layout
#: ``terminal`` (a row of three square windows, a screw hole below each, a long slot at each
#: end), both new, the ten surface kinds plus ``fingerprint``, ``blister``, ``inclusion``,
#: ``corrosion`` and the new shape ``spatter``, and missing / extra; scored once with the
#: default (docs/anomaly-log.md, *Held-out 14*)
HOLDOUT14_SET = ("terminal", "swirled", 3100,
                 HOLDOUT5_KINDS + ("fingerprint", "blister", "inclusion", "corrosion", "spatter"))
PARTS["holdout14"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT14_SET,
                                          title="held-out 14")
#: the fifteenth held-out configuration (made 2026-12-05, fourth session of the day, before
#: any later change): texture ``scaled`` (hot-rolled mill scale: a few dozen jagged flakes,
#: each of its own brightness, some spalled off to the brighter base, over long faint rolling
#: streaks and a fine grain) and layout ``keyplate`` (two counterbored holes at the top, a
#: keyhole in the middle, four small holes along the bottom), both new, the ten surface kinds
#: plus ``fingerprint``, ``blister``, ``inclusion``, ``corrosion``, ``spatter`` and the new
#: shape ``burn``, and missing / extra; scored once with the default (docs/anomaly.md,
#: *Held-out 15*)
HOLDOUT15_SET = ("keyplate", "scaled", 3300, HOLDOUT5_KINDS + (
    "fingerprint", "blister", "inclusion", "corrosion", "spatter", "burn"))
PARTS["holdout15"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT15_SET,
                                          title="held-out 15")
#: the sixteenth held-out configuration (made 2026-12-05, fifth session of the day, before
#: any later change): texture ``treadplate`` (rolled steel tread plate: raised lozenges on a
#: lattice of period 14-24 px at a random rotation, neighbours alternating between two
#: orientations about 90 degrees apart, lit from one side, over a faint mottled base and a
#: fine grain) and layout ``hinge`` (three knuckle cut-outs along the top, an oblong window,
#: two countersunk holes below), both new, the ten surface kinds plus ``fingerprint``,
#: ``blister``, ``inclusion``, ``corrosion``, ``spatter``, ``burn`` and the new shape
#: ``crazing``, and missing / extra; scored once with the default (docs/anomaly.md,
#: *Held-out 16*)
HOLDOUT16_SET = ("hinge", "treadplate", 3500, HOLDOUT5_KINDS + (
    "fingerprint", "blister", "inclusion", "corrosion", "spatter", "burn", "crazing"))
PARTS["holdout16"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT16_SET,
                                          title="held-out 16")
#: the seventeenth held-out configuration (made 2026-12-05, fifth session of the day, after
#: held-out 16, before any later change): texture ``hammered`` (hand-hammered sheet: the
#: lowest of shallow spherical dishes, one blow per jittered 30 px cell, facets 12-40 px
#: across meeting in creases, lit from one side, over a faint mottling and a fine grain) and
#: layout ``louvre`` (five parallel narrow slots tilted 20 degrees, a mounting hole upper left
#: and lower right, a rounded window at the right), both new, the ten surface kinds plus
#: ``fingerprint``, ``blister``, ``inclusion``, ``corrosion``, ``spatter``, ``burn``,
#: ``crazing`` and the new shape ``drip``, and missing / extra; scored once with the default
#: (docs/anomaly-log.md, *Held-out 17*)
HOLDOUT17_SET = ("louvre", "hammered", 3700, HOLDOUT5_KINDS + (
    "fingerprint", "blister", "inclusion", "corrosion", "spatter", "burn", "crazing", "drip"))
PARTS["holdout17"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT17_SET,
                                          title="held-out 17")
#: the eighteenth held-out configuration (made 2026-12-05, sixth session of the day, before
#: any later change): texture ``wrinkled`` (wrinkle-finish coat: noise band-passed by a ring
#: at one wavelength of 7-12 px and saturated into a labyrinth of meandering ridges, lit from
#: one side, over a faint mottling and a fine grain) and layout ``rotor`` (a round lamination:
#: a shaft bore, twelve short radial bar slots inside the rim, four cooling holes between
#: them), both new, the ten surface kinds plus ``fingerprint``, ``blister``, ``inclusion``,
#: ``corrosion``, ``spatter``, ``burn``, ``crazing``, ``drip`` and the new shape ``chip`` (a
#: coating chip: two flat brighter terraces, sharp angular edges, the texture gone inside),
#: and missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 18*)
HOLDOUT18_SET = ("rotor", "wrinkled", 3900, HOLDOUT5_KINDS + (
    "fingerprint", "blister", "inclusion", "corrosion", "spatter", "burn", "crazing", "drip",
    "chip"))
PARTS["holdout18"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT18_SET,
                                          title="held-out 18")
#: the nineteenth held-out configuration (made 2026-12-05, sixth session of the day, after
#: held-out 18, before any later change): texture ``strandmat`` (chopped-strand-mat GRP:
#: straight bright glass strands 20-60 px long at every angle, about 2 px wide, overlaps
#: saturating, under a resin haze and a fine grain) and layout ``perforated`` (a guard plate: a
#: staggered hexagonal field of seventeen perforations in rows of 6, 5 and 6, two mounting
#: slots below), both new, the held-out 18 kinds plus the new shape ``watermark`` (a water
#: stain ring: a thin darker closed tide line of radius 5-14 px, a faint lift inside), and
#: missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 19*)
HOLDOUT19_SET = ("perforated", "strandmat", 4100, HOLDOUT18_SET[3] + ("watermark",))
PARTS["holdout19"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT19_SET,
                                          title="held-out 19")
#: the twentieth held-out configuration (made 2026-12-05, ninth session of the day, after
#: held-out 19, before any later change): texture ``anodised`` (an etched, anodised aluminium
#: extrusion: an isotropic satin etch grain and sparse dark etch pits over faint die lines 2-8
#: px wide along the extrusion, fading in and out, and a slow dye mottle) and layout
#: ``quadrant`` (an adjusting quadrant: a pivot bore, a 70-degree arcuate slot about it and
#: three fixing holes), both new, the held-out 19 kinds plus the new shape ``swarf`` (a curled
#: machining chip left on the face: a thin bright spiral curl of 3-8 px with its shadow), and
#: missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 20*)
HOLDOUT20_SET = ("quadrant", "anodised", 4300, HOLDOUT19_SET[3] + ("swarf",))
PARTS["holdout20"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT20_SET,
                                          title="held-out 20")
#: the twenty-first held-out configuration (made 2026-12-05, tenth session of the day, after
#: held-out 20, before any later change): texture ``jewelled`` (an engine-turned finish:
#: overlapping round spots, radius 8-12 px, of fine concentric scratches on a square lattice,
#: each over the one before, each with the two-lobed sheen of its circular scratches) and
#: layout ``cruciform`` (a cross joining plate: a cross-shaped outline with filleted inner
#: corners, a central bore and a fixing hole on each arm), both new, the held-out 20 kinds
#: plus the new shape ``residue`` (a peeled label's adhesive residue: a darker rounded
#: rectangle 14-36 px long with a beaded edge, the texture dulled under it, dust specks), and
#: missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 21*)
HOLDOUT21_SET = ("cruciform", "jewelled", 4500, HOLDOUT20_SET[3] + ("residue",))
PARTS["holdout21"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT21_SET,
                                          title="held-out 21")
#: the twenty-second held-out configuration (made 2026-12-05, eleventh session of the day,
#: after held-out 21, before any later change): texture ``lasercut`` (the cut face of a thick
#: laser-cut plate: quasi-periodic drag lines, pitch 4-7 px, bent back by one drag curve
#: growing as the depth squared, wandering and rougher towards the exit) and layout ``gusset``
#: (a triangular gusset plate: a rounded right-angled triangle, its hypotenuse at 45 degrees,
#: a lightening hole at its incentre and a fixing hole in each corner), both new, the
#: held-out 21 kinds plus the new shape ``rollmark`` (a roll mark: 3-5 identical small oval
#: dark imprints repeated 10-18 px apart along a line, the texture pressed flatter in them),
#: and missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 22*)
HOLDOUT22_SET = ("gusset", "lasercut", 4700, HOLDOUT21_SET[3] + ("rollmark",))
PARTS["holdout22"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT22_SET,
                                          title="held-out 22")
#: the twenty-third held-out configuration (made 2026-12-06, twelfth session, after held-out
#: 22, before any later change): texture ``diecast`` (the as-cast skin of a high-pressure die
#: casting: aperiodic flow lines along the level lines of a stream function, fanning out of a
#: gate off the image and bent by gentle waves, fading along their length, sparse gas pores)
#: and layout ``sprocket`` (a chain sprocket cut from plate: a disc cut by sixteen
#: semicircular roller seats centred on its rim, a bore with a keyway and four lightening
#: holes), both new, the held-out 22 kinds plus the new shape ``starcrack`` (a star / impact
#: crack: 4-7 thin straight dark arms, the longest 8-20 px, radiating about evenly from a
#: small crushed pit, each fading towards its tip), and missing / extra; to be scored once
#: with the default (docs/anomaly-log.md, *Held-out 23*)
HOLDOUT23_SET = ("sprocket", "diecast", 4900, HOLDOUT22_SET[3] + ("starcrack",))
PARTS["holdout23"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT23_SET,
                                          title="held-out 23")
#: the twenty-fourth held-out configuration (made 2026-12-06, twelfth session, after held-out
#: 23, before any later change): texture ``electropolished`` (an electropolished face: a
#: Voronoi mosaic of mirror-smooth grains of almost one level, thin dark grooves along their
#: boundaries, a faint orange peel) and layout ``hexplate`` (a hexagonal flange plate: flats at
#: top and bottom, corners rounded, a round bore and six bolt holes towards the corners), both
#: new, the held-out 23 kinds plus the new shape ``fisheye`` (a coat's crater: a round darker
#: smooth floor, radius 3-8 px, ringed by a thin brighter rim), and missing / extra; to be
#: scored once with the default (docs/anomaly-log.md, *Held-out 24*)
HOLDOUT24_SET = ("hexplate", "electropolished", 5100, HOLDOUT23_SET[3] + ("fisheye",))
PARTS["holdout24"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT24_SET,
                                          title="held-out 24")
#: the twenty-fifth held-out configuration (made 2026-12-06, thirteenth session, after
#: held-out 24, before any later change): texture ``tumbled`` (a vibratory-finished face: dense
#: short comet marks at every angle, a dark round nick at the head, a tail fading away from
#: it, a matte grain) and layout ``lbracket`` (a flat L-shaped angle bracket: the upper right
#: quarter open, the inner corner filleted, two fixing holes in a column and a row of three
#: horizontal slots), both new, the held-out 24 kinds plus the new shape ``crescent`` (a
#: crescent dent: an arc-shaped groove, radius 5-12 px, tapering to two horns, side-lit), and
#: missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 25*)
HOLDOUT25_SET = ("lbracket", "tumbled", 5300, HOLDOUT24_SET[3] + ("crescent",))
PARTS["holdout25"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT25_SET,
                                          title="held-out 25")
#: the twenty-sixth held-out configuration (made 2026-12-06, fourteenth session, after
#: held-out 25, before any later change): texture ``satin`` (shot-peened, then polished: a
#: flat plateau, isolated dark dimple cups below it, sparse deep pits) and layout ``link`` (a
#: small figure-eight link plate on the diagonal: two round lobes, a concave waist, a pin hole
#: in each lobe; the face about 0.35 of the image), both new, the held-out 25 kinds plus the
#: new shape ``dragmark`` (a drag mark: a band of 3-6 fine parallel streaks, 15-40 px, sharp
#: at its start and fading along the drag), and missing / extra; to be scored once with the
#: default (docs/anomaly-log.md, *Held-out 26*)
HOLDOUT26_SET = ("link", "satin", 5500, HOLDOUT25_SET[3] + ("dragmark",))
PARTS["holdout26"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT26_SET,
                                          title="held-out 26")
#: the twenty-seventh held-out configuration (made 2026-12-06, fourteenth session, after
#: held-out 26, before any later change): texture ``cladded`` (laser-clad, as deposited:
#: parallel weld tracks laid in alternate directions, fine crescent ripples bowed against
#: each track's travel, sparse bright powder balls) and layout ``cam`` (a snail cam plate: a
#: spiral rim with a radial drop, a shaft bore, two lightening holes, a dowel hole; the face
#: about 0.59 of the image), both new, the held-out 26 kinds plus the new shape ``kink`` (a
#: kinked scratch: 2-3 straight legs, 15-50 px, turning 30-100 degrees at sharp corners),
#: and missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 27*)
HOLDOUT27_SET = ("cam", "cladded", 5700, HOLDOUT26_SET[3] + ("kink",))
PARTS["holdout27"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT27_SET,
                                          title="held-out 27")
#: the twenty-eighth held-out configuration (made 2026-12-06, fifteenth session, after
#: held-out 27, before any later change): texture ``luders`` (a stretcher-strained mild-steel
#: sheet: faint roll streaks crossed by Lueders bands at 50-56 degrees to them, each band sunk
#: and rougher) and layout ``endshield`` (a motor end shield: a round plate with three kidney
#: cooling windows between three straight ribs, a counterbored bearing seat, three bolt holes;
#: the face about 0.63 of the image), both new, the held-out 27 kinds plus the new shape
#: ``lap`` (a lap / cold shut: a wavy dark seam, 15-45 px, a slight step in level across it),
#: and missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 28*)
HOLDOUT28_SET = ("endshield", "luders", 5900, HOLDOUT27_SET[3] + ("lap",))
PARTS["holdout28"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT28_SET,
                                          title="held-out 28")
#: the twenty-ninth held-out configuration (made 2026-12-06, sixteenth session, after
#: held-out 28, before any later change): texture ``crossrolled`` (a cross-rolled sheet: two
#: families of roll streaks crossing at 82-98 degrees, the first pass partly rolled out by the
#: second) and layout ``forkend`` (a fork end: a square plate with a wide U slot cut in from
#: one edge, a pin hole in each tine, a counterbored rod bore; the face about 0.62 of the
#: image), both new, the held-out 28 kinds plus the new shape ``stamp`` (a stray stamp: two or
#: three blocky seven-segment digits, shallow and dark), and missing / extra; to be scored once
#: with the default (docs/anomaly-log.md, *Held-out 29*)
HOLDOUT29_SET = ("forkend", "crossrolled", 6100, HOLDOUT28_SET[3] + ("stamp",))
PARTS["holdout29"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT29_SET,
                                          title="held-out 29")
#: the thirtieth held-out configuration (made 2026-12-06, seventeenth session, after
#: held-out 29, before any later change): texture ``wirecut`` (a wire-EDM cut face: one family
#: of strictly regular fine cusps over a crater matte, sparse bright recast spots) and layout
#: ``tnut`` (a T-slot nut plate: a T outline, a bolt hole in each end of the bar, a chamfered
#: tapped hole in the stem; the face about 0.61 of the image), both new, the held-out 29 kinds
#: plus the new shape ``pinch`` (a pinch mark: two short parallel serrated dents, as from a
#: jaw's tips), and missing / extra; to be scored once with the default (docs/anomaly.md,
#: *Held-out 30*)
HOLDOUT30_SET = ("tnut", "wirecut", 6300, HOLDOUT29_SET[3] + ("pinch",))
PARTS["holdout30"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT30_SET,
                                          title="held-out 30")
#: the thirty-first held-out configuration (made 2026-12-06, seventeenth session, after
#: held-out 30, before any later change): texture ``dimplearray`` (a laser-textured running
#: face: a strict hexagonal lattice of small round sunk dimples with thin bright rims) and
#: layout ``ovalflange`` (a two-bolt oval port flange on the diagonal: a round body and two
#: lobes joined by tangent straight edges, a kept port bore, a bolt hole in each lobe; the face
#: about 0.65 of the image), both new, the held-out 30 kinds plus the new shape ``punch`` (a
#: centre-punch witness: a small dark dot in a faint thin ring), and missing / extra; to be
#: scored once with the default (docs/anomaly-log.md, *Held-out 31*)
HOLDOUT31_SET = ("ovalflange", "dimplearray", 6500, HOLDOUT30_SET[3] + ("punch",))
PARTS["holdout31"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT31_SET,
                                          title="held-out 31")
#: the thirty-second held-out configuration (made 2026-12-06, eighteenth session, after
#: held-out 31, before any later change): texture ``guilloche`` (a rose-engine wave-cut face:
#: fine V grooves side by side, every groove swung sideways in one sine wave along the lay)
#: and layout ``bearingcap`` (a main bearing cap on its face: an arch over straight flanks and
#: a flat base, a half-round seat cut into the base, a bolt hole in each foot; the face about
#: 0.62 of the image), both new, the held-out 31 kinds plus the new shape ``clampmark`` (a
#: clamp pressure mark: a faint dark flat rounded-rectangle print with a bright lip), and
#: missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 32*)
HOLDOUT32_SET = ("bearingcap", "guilloche", 6700, HOLDOUT31_SET[3] + ("clampmark",))
PARTS["holdout32"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT32_SET,
                                          title="held-out 32")
#: the thirty-third held-out configuration (made 2026-12-06, eighteenth session, after
#: held-out 32, before any later change): texture ``peenground`` (a shot-peened face ground
#: flat: the grinding lay on the plateau, smooth dark round pits where the deepest craters
#: survive) and layout ``crescentarm`` (a crescent-shaped cam follower arm: a round body with
#: a round bite, two arcs meeting at sharp horns, a pivot bore and a roller pin hole; the face
#: about 0.60 of the image), both new, the held-out 32 kinds plus the new shape ``halo`` (a
#: weld spatter halo: a ring of tiny dark specks round a slightly darker centre), and
#: missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 33*)
HOLDOUT33_SET = ("crescentarm", "peenground", 6900, HOLDOUT32_SET[3] + ("halo",))
PARTS["holdout33"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT33_SET,
                                          title="held-out 33")
#: the thirty-fourth held-out configuration (made 2026-12-06, nineteenth session, after
#: held-out 33, before any later change): texture ``flamespray`` (a flame-sprayed coating:
#: overlapping flattened splats, each its own level, with thin dark oxide rims) and layout
#: ``trimount`` (a triangular motor mount: a rounded Reuleaux triangle, a central bore and
#: three bolt holes in its lobes; the face about 0.59 of the image), both new, the held-out
#: 33 kinds plus the new shape ``arcstrike`` (an arc strike: a small bright fused core, a
#: dark rim and short dark radial streaks), and missing / extra; to be scored once with the
#: default (docs/anomaly-log.md, *Held-out 34*)
HOLDOUT34_SET = ("trimount", "flamespray", 7100, HOLDOUT33_SET[3] + ("arcstrike",))
PARTS["holdout34"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT34_SET,
                                          title="held-out 34")
#: the thirty-fifth held-out configuration (made 2026-12-06, nineteenth session, after
#: held-out 34, before any later change): texture ``chemmilled`` (a chemically milled face:
#: broad shallow flat-floored etch dishes with soft raised rims on a matte etch grain) and
#: layout ``splitcollar`` (a one-piece clamp shaft collar end-on: a ring cut through by a
#: radial split, a clamp screw hole and two tapped holes; the face about 0.58 of the image),
#: both new, the held-out 34 kinds plus the new shape ``burr`` (a rolled-over burr: a bright
#: thin ridge with a dark line beside it on one side), and missing / extra; to be scored once
#: with the default (docs/anomaly-log.md, *Held-out 35*)
HOLDOUT35_SET = ("splitcollar", "chemmilled", 7300, HOLDOUT34_SET[3] + ("burr",))
PARTS["holdout35"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT35_SET,
                                          title="held-out 35")
#: the thirty-sixth held-out configuration (made 2026-12-06, twentieth session, after
#: held-out 35, before any later change): texture ``greyiron`` (a ground grey cast iron face:
#: thin dark curved graphite flakes radiating as pinwheels from the centres of eutectic
#: cells, over a grinding lay) and layout ``dshim`` (a D-shaped shim: a disc cut by one
#: straight flat, round a keyed bore, two slots either side; the face about 0.57 of the
#: image), both new, the held-out 35 kinds plus the new shape ``stringer`` (an inclusion
#: stringer: a dotted line of tiny unequal dark dots), and missing / extra; to be scored once
#: with the default (docs/anomaly-log.md, *Held-out 36*)
HOLDOUT36_SET = ("dshim", "greyiron", 7500, HOLDOUT35_SET[3] + ("stringer",))
PARTS["holdout36"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT36_SET,
                                          title="held-out 36")
#: the thirty-seventh held-out configuration (made 2026-12-06, twenty-first session, after
#: held-out 36, before any later change): texture ``blanchard`` (a rotary surface ground
#: face: two families of fine curved scratches, arcs of the wheel's rim, crossing at an angle
#: that changes across the face) and layout ``handhole`` (an elliptical handhole cover
#: along the image's diagonal round a stud hole, two jacking holes and a drain hole; the face
#: about 0.57 of the image), both new, the held-out 36 kinds plus the new shape ``pigtail``
#: (a sander's pigtail: a thin dark groove looping on itself, a chain of small loops), and
#: missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 37*)
HOLDOUT37_SET = ("handhole", "blanchard", 7700, HOLDOUT36_SET[3] + ("pigtail",))
PARTS["holdout37"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT37_SET,
                                          title="held-out 37")
#: the thirty-eighth held-out configuration (made 2026-12-07, twenty-sixth session, before
#: any later change): texture ``freemachining`` (the ground face of a resulphurised
#: free-machining steel: sparse thin dark sulphide lenses along one rolling direction on a
#: bright, nearly plain ground; its face signal's skewness about -3.4) and layout
#: ``thrustpad`` (a tilting-pad thrust bearing's pad: an annular sector, a pivot hole, two
#: lifting holes and a thermocouple hole; the face about 0.44 of the image), both new, the
#: held-out 37 kinds plus the new shape ``shrinkage`` (shrinkage porosity: a dark fern, a
#: stem with thinner side arms at one angle), and missing / extra; to be scored once with
#: the default (docs/anomaly-log.md, *Held-out 38*)
HOLDOUT38_SET = ("thrustpad", "freemachining", 7900, HOLDOUT37_SET[3] + ("shrinkage",))
PARTS["holdout38"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT38_SET,
                                          title="held-out 38")
#: the thirty-ninth held-out configuration (made 2026-12-07, twenty-sixth session, after
#: held-out 38, before any later change): texture ``hardfaced`` (a tungsten carbide
#: hardfacing ground flat: sparse bright flat angular carbide grains on a darker, nearly
#: plain matrix; its face signal's skewness about +2.2) and layout ``starflange`` (a
#: five-lobed flange end-on: a disc with five round scallops, a central bore and a bolt hole
#: in each lobe; the face about 0.56 of the image), both new, the held-out 38 kinds plus the
#: new shape ``comet`` (a polishing comet: a small dark pit with a tail of fine streaks
#: converging behind it), and missing / extra; to be scored once with the default
#: (docs/anomaly-log.md, *Held-out 39*)
HOLDOUT39_SET = ("starflange", "hardfaced", 8100, HOLDOUT38_SET[3] + ("comet",))
PARTS["holdout39"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT39_SET,
                                          title="held-out 39")
#: the fortieth held-out configuration (made 2026-12-07, twenty-sixth session, after
#: held-out 39, before any later change): texture ``sized`` (the sized face of a sintered
#: powder-metal steel part: sparse dark cusped pores between three or four particles, compact,
#: at any turn, of a wide spread of sizes, on a bright, nearly plain plateau; its face
#: signal's skewness about -2.5) and layout ``tabwasher`` (a double-tab lock washer seen flat:
#: a ring with a long tab up and a short one to the right, a lock-wire hole in each; the face
#: about 0.42 of the image), both new, the held-out 39 kinds plus the new shape ``treeing``
#: (an electrical tree: a dark track from one point forking in two, four times over), and
#: missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 40*)
HOLDOUT40_SET = ("tabwasher", "sized", 8300, HOLDOUT39_SET[3] + ("treeing",))
PARTS["holdout40"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT40_SET,
                                          title="held-out 40")
#: the forty-first held-out configuration (made 2026-12-07, twenty-sixth session, after
#: held-out 40, before any later change): texture ``babbitt`` (the bored face of a tin-based
#: white-metal bearing lining: sparse bright square SbSn cuboids and Cu6Sn5 needles and
#: six-armed stars on a darker, nearly plain matrix; its face signal's skewness about +2.9)
#: and layout ``rack`` (a straight gear rack's segment: a bar with eight trapezoid teeth
#: along its top, two bolt holes and a dowel hole; the face about 0.41 of the image), both
#: new, the held-out 40 kinds plus the new shape ``dotpeen`` (a stray dot-peen Data Matrix:
#: a square grid of dimples, two sides solid), and missing / extra; to be scored once with
#: the default (docs/anomaly-log.md, *Held-out 41*)
HOLDOUT41_SET = ("rack", "babbitt", 8500, HOLDOUT40_SET[3] + ("dotpeen",))
PARTS["holdout41"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT41_SET,
                                          title="held-out 41")
#: the forty-second held-out configuration (made 2026-12-07, twenty-seventh session, before
#: any later change): texture ``wetblasted`` (a wet-blasted face, the jet at a glancing
#: angle: dense short dimples drawn out along the jet, each shaded both ways, in broad pass
#: bands over a fine satin grain; its face signal's skewness about 0, -0.05 to +0.06) and
#: layout ``dovetail`` (a dovetail slide's end plate: a block with an undercut dovetail
#: groove in its bottom edge, two bolt holes and a dowel hole; the face about 0.45 of the
#: image), both new, the held-out 41 kinds plus the new shape ``layoutmark`` (a scribed
#: layout mark: two thin lines crossing square inside a thin circle), and missing / extra;
#: to be scored once with the default (docs/anomaly-log.md, *Held-out 42*)
HOLDOUT42_SET = ("dovetail", "wetblasted", 8700, HOLDOUT41_SET[3] + ("layoutmark",))
PARTS["holdout42"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT42_SET,
                                          title="held-out 42")
#: the forty-third held-out configuration (made 2026-12-07, twenty-seventh session, after
#: held-out 42, before any later change): texture ``phosphated`` (a phosphated steel face: a
#: fine crystal mosaic under crisp-bordered patches of two coat weights, half the face each;
#: its face signal's skewness about 0, -0.05 to +0.02, and bimodal) and layout ``geneva`` (a
#: Geneva drive's star wheel: a disc with four radial slots and four concave locking arcs, a
#: bore and four hub screw holes; the face about 0.56 of the image), both new, the held-out
#: 42 kinds plus the new shape ``rinsespots`` (rinse-water spots: a cluster of small hollow
#: rings), and missing / extra; to be scored once with the default (docs/anomaly-log.md,
#: *Held-out 43*)
HOLDOUT43_SET = ("geneva", "phosphated", 8900, HOLDOUT42_SET[3] + ("rinsespots",))
PARTS["holdout43"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT43_SET,
                                          title="held-out 43")
#: the forty-fourth held-out configuration (made 2026-12-07, twenty-seventh session, before
#: any later change): texture ``torn`` (a finish-turned face torn by a built-up edge: a fine
#: turning lay with sparse dark tear pockets, each a scoop behind a sharp step, all facing the
#: cutting direction; its face signal's skewness about -1.1) and layout ``tensile`` (a
#: pin-loaded flat tensile coupon: two wide grips joined by a straight gauge section at
#: filleted shoulders, a pin hole in each grip; the face about 0.44 of the image), both new,
#: the held-out 41 kinds plus the new shape ``knurlprint`` (a knurled pad's print: a small
#: patch of two crossing families of fine grooves), and missing / extra; to be scored once
#: with the default (docs/anomaly-log.md, *Held-out 44*)
HOLDOUT44_SET = ("tensile", "torn", 9100, HOLDOUT41_SET[3] + ("knurlprint",))
PARTS["holdout44"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT44_SET,
                                          title="held-out 44")
#: the forty-fifth held-out configuration (made 2026-12-07, twenty-seventh session, after
#: held-out 44, before any later change): texture ``superfinished`` (fine grit paths along
#: sines of one wavelength at random phases, crossing one another about a strong lay; its
#: face signal's skewness within +-0.3) and layout ``ecore`` (a transformer's E core
#: lamination: a yoke, three legs, two windows open on one side, four bolt holes at its
#: corners; the face about 0.50 of the image), both new, the held-out 44 kinds plus the new
#: shape ``chainmark`` (a chain's print: oval rings alternating with straight bars in a row),
#: and missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out
#: 45*)
HOLDOUT45_SET = ("ecore", "superfinished", 9300, HOLDOUT44_SET[3] + ("chainmark",))
PARTS["holdout45"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT45_SET,
                                          title="held-out 45")
#: the forty-sixth held-out configuration (made 2026-12-07, twenty-seventh session, after
#: held-out 45, before any later change): texture ``skimmed`` (a cast face given one light
#: skim cut that did not clean up: a faint fine cut lay on the casting's high places, the
#: rough cast skin, 3.5-5 times as rough, left in its low places; its levels two-sided (face
#: signal's skewness within +-0.15) but its roughness uneven (the local RMS's log spread
#: 0.33-0.58)) and layout ``circlip`` (an internal retaining ring: an open ring whose wall
#: tapers towards its gap, two lugs standing into the bore, each with a pliers hole; the face
#: about 0.45 of the image), both new, the held-out 45 kinds plus the new shape
#: ``lockwasher`` (a star washer's print: 8-12 short dashes round a ring, twisted one way),
#: and missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out
#: 46*)
HOLDOUT46_SET = ("circlip", "skimmed", 9500, HOLDOUT45_SET[3] + ("lockwasher",))
PARTS["holdout46"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT46_SET,
                                          title="held-out 46")
#: the forty-seventh held-out configuration (made 2026-12-07, twenty-eighth session, after
#: held-out 46, before any later change): texture ``powdercoat`` (a powder-coated face: an
#: orange peel of one bump size, 3-8 px, shaded by a light at any azimuth, a dense two-sided
#: powder grain and a few larger shaded trapped grains; its face signal's skewness within
#: +-0.03) and layout ``pulley`` (a cast V-belt pulley end on: a rim ring, a hub with a keyed
#: bore, four arms wide at the hub, rounded-triangle windows between them, two puller holes;
#: the face about 0.55 of the image), both new, the held-out 46 kinds plus the new shape
#: ``tackweld`` (a stray tack weld: a small oval bead rippled across inside a thin heat-tint
#: ring), and missing / extra; to be scored once with the default (docs/anomaly-log.md,
#: *Held-out 47*)
HOLDOUT47_SET = ("pulley", "powdercoat", 9700, HOLDOUT46_SET[3] + ("tackweld",))
PARTS["holdout47"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT47_SET,
                                          title="held-out 47")
#: the forty-eighth held-out configuration (made 2026-12-07, twenty-eighth session, beside
#: held-out 47, before any later change): texture ``broached`` (a broached face: fine
#: parallel tool lines along the cut, pitch 2-5 px, each line's depth varying slowly along
#: it, crossed every tooth pitch (12-30 px) by faint step marks, slight dark tearing here and
#: there; its face signal's skewness within +-0.3) and layout ``clutchplate`` (a friction
#: clutch plate: an annulus, six radial oil grooves through its lining, an internal spline of
#: twenty teeth round the bore, two rivet holes; the face about 0.55 of the image), both new,
#: the held-out 47 kinds plus the new shape ``fretting`` (fretting
#: corrosion: an elongated patch of fine dark dots and streaks along the slip, densest at its
#: middle, over a faint haze), and missing / extra; to be scored once with the default
#: (docs/anomaly-log.md, *Held-out 48*)
HOLDOUT48_SET = ("clutchplate", "broached", 9800, HOLDOUT47_SET[3] + ("fretting",))
PARTS["holdout48"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT48_SET,
                                          title="held-out 48")
#: the forty-ninth held-out configuration (made 2026-12-07, twenty-eighth session, beside
#: held-outs 47 and 48, before any later change): texture ``flamecut`` (an oxy-fuel flame-cut
#: edge face: drag lines 1.6-3 px apart through the thickness, bowing back against the cut's
#: direction more and more towards its bottom, a rougher upper band, sparse dark dross
#: gouges; its face signal's skewness within +-0.1) and layout ``hookplate`` (a crane hook's
#: side plate / a lifting lug: a rounded plate, a big eye hole at its top, a J-shaped throat
#: cut in from its bottom, two rivet holes; the face about 0.53 of the image), both new, the
#: held-out 48 kinds plus the new shape ``spallpit`` (a spalled pit: a jagged shallow crater,
#: a dark floor, a bright broken rim on one side), and missing / extra; to be scored once
#: with the default (docs/anomaly-log.md, *Held-out 49*)
HOLDOUT49_SET = ("hookplate", "flamecut", 9900, HOLDOUT48_SET[3] + ("spallpit",))
PARTS["holdout49"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT49_SET,
                                          title="held-out 49")
#: the fiftieth held-out configuration (made 2026-12-07, twenty-eighth session, beside
#: held-out 49, before any later change): texture ``etchedmatte`` (an acid-etched matte
#: aluminium face: a fine isotropic grain of shallow etch pits of two sizes, about 1 and 2.5
#: px, its strength drifting slowly across the face by at most 1.5 x, two to four faint
#: lighter streaks where the rinse ran; its face signal's skewness within +-0.3) and layout
#: ``bellcrank`` (a bell-crank lever: two arms at a right angle from a round boss with a
#: pivot hole, each ending in a rounded eye with a pin hole, a grease hole in the boss; the
#: face about 0.39 of the image), both new, the held-out 49 kinds plus the new shape
#: ``pickmark`` (a pick or scribe slip mark: a short sharp zig-zag scratch of 3-6 segments
#: with a finer burr line along one side), and missing / extra; to be scored once with the
#: default (docs/anomaly-log.md, *Held-out 50*)
HOLDOUT50_SET = ("bellcrank", "etchedmatte", 10000, HOLDOUT49_SET[3] + ("pickmark",))
PARTS["holdout50"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT50_SET,
                                          title="held-out 50")
#: the fifty-first held-out configuration (made 2026-12-07, twenty-ninth session, before any
#: later change): texture ``beltsanded`` (a belt-sanded face: the lay drawn per part,
#: uniform over 0-180 degrees; dense straight sanding scratches along it, about 4, 12 and 36
#: px long, each a groove between ploughed lips, a few deeper grit scratches, a fainter
#: second set 3-8 degrees off the lay, the strength drifting 1 -+ 0.25 along the lay; its
#: face signal's skewness within +-0.3) and layout ``sectorblank`` (a sector gear's blank: a
#: fan of half angle 36 degrees from a round hub with the shaft bore, two lightening holes
#: and a radial slot, the band under the arc left solid; the face about 0.39 of the image),
#: both new, the held-out 50 kinds plus the new shape ``grindburn`` (a grinding burn streak:
#: a straight lens-shaped band, a dark temper-tinted core with a lighter fringe either side,
#: its tint pulsing at a regular pitch along it), and missing / extra; to be scored once with
#: the default (docs/anomaly-log.md, *Held-out 51*)
HOLDOUT51_SET = ("sectorblank", "beltsanded", 10100, HOLDOUT50_SET[3] + ("grindburn",))
PARTS["holdout51"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT51_SET,
                                          title="held-out 51")
#: the fifty-second held-out configuration (made 2026-12-07, twenty-ninth session, after
#: held-out 51, before any later change): texture ``flycut`` (a fly-cut face: the feed
#: direction drawn per part, uniform over the full turn; front arcs of one swing radius, 1.2-2.4
#: x the image's larger side, stepping 3-5.5 px a turn along the feed, each a scallop of its
#: own depth, the heel's grooves on arcs bent the other way, 0.4-0.6 as deep, crossing them;
#: its face signal's skewness within +-0.3) and layout ``ratchet`` (a ratchet wheel: twelve
#: saw teeth leaning one way, tips 0.45 and roots 0.37 of the smaller side, with the bore,
#: three lightening holes and a radial slot; the face about 0.45 of the image), both new, the
#: held-out 51 kinds plus the new shape ``nutprint`` (a hex nut's bearing-face print: a dark
#: flat ring, hexagonal outside, round inside, deeper on one side, streaked round its
#: centre), and missing / extra; to be scored once with the default (docs/anomaly-log.md,
#: *Held-out 52*)
HOLDOUT52_SET = ("ratchet", "flycut", 10200, HOLDOUT51_SET[3] + ("nutprint",))
PARTS["holdout52"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT52_SET,
                                          title="held-out 52")
#: the fifty-third held-out configuration (made 2026-12-07, twenty-ninth session, after
#: held-out 52, before any later change): texture ``passivated`` (a bead-blasted, then
#: passivated stainless face: bead craters of 1.1-1.8 px radius with raised lips, dulled by
#: the acid, sparse sharp pits where inclusions dissolved, a faint tint mottle; no lay, the
#: part's angle not taken; its face signal's skewness within +-0.2) and layout
#: ``motorplate`` (a motor mounting plate: a square 0.38 of the smaller side either way with
#: its corners chamfered at 45 degrees, a pilot bore, four bolt holes on the bolt square and
#: a vertical belt-tension slot; the face about 0.52 of the image), both new, the held-out 52
#: kinds plus the new shape ``cornerdent`` (a corner's dent: a triangle of three flat facets
#: meeting off its centre, each its own level by its slope towards the light, a thin bright
#: lip), and missing / extra; to be scored once with the default (docs/anomaly-log.md,
#: *Held-out 53*)
HOLDOUT53_SET = ("motorplate", "passivated", 10300, HOLDOUT52_SET[3] + ("cornerdent",))
PARTS["holdout53"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT53_SET,
                                          title="held-out 53")
#: the fifty-fourth held-out configuration (made 2026-12-07, thirtieth session, after
#: held-out 53, before any later change): texture ``planed`` (a shaper- or planer-finished
#: steel face: straight parallel stroke ridges a feed of 3.5-6.5 px apart, each stroke its
#: own depth, a faint chatter along every stroke, rare torn patches, a low-frequency tint;
#: the lay drawn per part, uniform over 0-180 degrees, the part's angle not taken) and layout
#: ``latchplate`` (a door latch's striker plate: a rounded rectangle 0.45 x 0.18 of the
#: smaller side either way, notched in its lower long edge, an off-centre latch window and
#: two countersunk screw holes near the ends; the face about 0.30 of the image), both new,
#: the held-out 53 kinds plus the new shape ``seamburst`` (a burst seam: a short jagged
#: crack opening in its middle into a lens-shaped dark gap with a bright lip along either
#: edge), and missing / extra; to be scored once with the default (docs/anomaly-log.md,
#: *Held-out 54*)
HOLDOUT54_SET = ("latchplate", "planed", 10400, HOLDOUT53_SET[3] + ("seamburst",))
PARTS["holdout54"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT54_SET,
                                          title="held-out 54")
#: the fifty-fifth held-out configuration (made 2026-12-07, thirtieth session, after
#: held-out 53, before any later change): texture ``forgescale`` (a hot-forged face with its
#: mill scale: dark polygonal flakes, Voronoi cells of 3-15 px drifting in size, over a
#: lighter finely pitted base with a thin lip where flakes broke away, their coverage patchy,
#: faint flow lines at an angle drawn per part, a slow tint; its face signal's skewness within
#: +-0.2) and layout ``pipeclamp`` (a pipe-clamp half: a concentric half-annulus saddle, 0.12
#: to 0.42 of the smaller side, rectangular ears at its feet each with a bolt hole, a
#: rectangular drain slot in the crown; the face about 0.26 of the image), both new, the
#: held-out 53 kinds plus the new shape ``scalepocket`` (a rolled-in scale pocket: a lobed
#: dark pocket with a mottled floor, a thin bright rim on its leading side, a short smear
#: behind it), and missing / extra; to be scored once with the default (docs/anomaly-log.md,
#: *Held-out 55*)
HOLDOUT55_SET = ("pipeclamp", "forgescale", 10500, HOLDOUT53_SET[3] + ("scalepocket",))
PARTS["holdout55"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT55_SET,
                                          title="held-out 55")
#: the fifty-sixth held-out configuration (made 2026-12-07, thirtieth session, after
#: held-out 55, before any later change): texture ``leathergrain`` (an injection-moulded
#: plastic face with a leather-grain mould texture: an irregular net of soft rounded ridges
#: round Voronoi cells of 4-12 px drifting in size, some cells with a shallow pore, a slow
#: sheen, a fine micro-grain, no lay; its face signal's skewness within +-0.5) and layout
#: ``spokewheel`` (a small handwheel: a rim ring, a hub of 0.31 of the smaller side with a
#: bore and a keyway notch, five curved spokes, the five openings between them part of the
#: outline; the face about 0.58 of the image), both new, the held-out 55 kinds plus the new
#: shape ``knitline`` (a moulding's knit line: a thin faint wavy V-line ending in a fan of
#: flow marks at one end, a subtle dull band on one side), and missing / extra; to be scored
#: once with the default (docs/anomaly-log.md, *Held-out 56*)
HOLDOUT56_SET = ("spokewheel", "leathergrain", 10600, HOLDOUT55_SET[3] + ("knitline",))
PARTS["holdout56"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT56_SET,
                                          title="held-out 56")
#: the fifty-seventh held-out configuration (made 2026-12-07, thirtieth session, after
#: held-out 55, before any later change): texture ``zincflake`` (a zinc-flake coated steel
#: face: a fine grey matte of overlapping lamellar flakes at every angle, sparse bright
#: sparkles, points or 1-3 px slivers, 2-6 per 1000 px^2, their brightness log-normal, a few
#: darker voids, a faint orange peel; no lay; its face signal one-sided bright and
#: heavy-tailed) and layout ``anchorplate`` (a column base plate: a square, 0.41 of the
#: smaller side either way, four short slots along the diagonals near the corners, a central
#: square cut-out with rounded corners; the face about 0.61 of the image), both new, the
#: held-out 55 kinds plus the new shape ``bubbleburst`` (a burst coating blister: a round
#: dark crater, a ragged bright torn rim missing on part of the circle, a faint halo of
#: lifted coating), and missing / extra; to be scored once with the default
#: (docs/anomaly-log.md, *Held-out 57*)
HOLDOUT57_SET = ("anchorplate", "zincflake", 10700, HOLDOUT55_SET[3] + ("bubbleburst",))
PARTS["holdout57"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT57_SET,
                                          title="held-out 57")
#: the fifty-eighth held-out configuration (made 2026-12-07, thirtieth session, after
#: held-out 57, before any later change): texture ``granite`` (a lapped granite surface
#: plate: interlocking sharp-edged polygonal grains, Voronoi cells whose spacing drifts 2-8
#: px, of three phases, light feldspar, grey quartz and dark biotite flecks, each grain its
#: own level within its phase's, sparse tiny dark pores, a fine lapped matte; no lay; its
#: face signal dark-skewed by the biotite) and layout ``keyedcollar`` (a clamp shaft collar
#: face on: a ring, 0.44 / 0.15 of the smaller side, cut through by a radial slit on its
#: right, a keyway notch into the bore at its top, the clamp screw's hole beside the slit;
#: the face about 0.53 of the image), both new, the held-out 57 kinds plus the new shape
#: ``ringcrack`` (a Hertzian ring crack: a small impact point, a thin dark crack of uneven
#: width along an open circular arc round it, a faint bright halo on its inside), and
#: missing / extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 58*)
HOLDOUT58_SET = ("keyedcollar", "granite", 10800, HOLDOUT57_SET[3] + ("ringcrack",))
PARTS["holdout58"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT58_SET,
                                          title="held-out 58")
#: the fifty-ninth held-out configuration (made 2026-12-07, thirtieth session, after
#: held-out 57, before any later change): texture ``chromeplate`` (a bright decorative
#: chrome-plated face: broad smooth bright and dark bands mirrored from the surroundings, a
#: 1-D smoothed noise of sigma 20-60 px along a direction drawn per part, gently bent; faint
#: curved buffing swirls, a fine haze, sparse dark micro-pits) and layout ``slottedarm`` (an
#: adjusting arm: a bar 0.84 of the smaller side long, a round boss at one end holding the
#: pivot hole, a straight adjustment slot along the axis in its other half; the face about
#: 0.25 of the image), both new, the held-out 57 kinds plus the new shape ``nodule`` (a
#: plating nodule: a tiny knobby dome, bright on the side facing the light and dark on the
#: other, a thin dark ring at its foot), and missing / extra; to be scored once with the
#: default (docs/anomaly-log.md, *Held-out 59*)
HOLDOUT59_SET = ("slottedarm", "chromeplate", 10900, HOLDOUT57_SET[3] + ("nodule",))
PARTS["holdout59"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT59_SET,
                                          title="held-out 59")
#: the sixtieth held-out configuration (made 2026-12-07, thirty-first session, after
#: held-out 59, before any later change): texture ``blued`` (a gun-blued / black-oxide steel
#: face: soft blotches of tint, a smoothed noise of sigma 7-20 px flattened at its crests,
#: at a modest weight over fine parallel polishing lines, sigma 0.5 px across and 30-60 px
#: along at an angle drawn per part; a fine matte; sparse tiny bright wear specks) and layout
#: ``hingeleaf`` (one leaf of a butt hinge: a rectangle 0.88 x 0.5 of the smaller side
#: rounded at its bottom corners, the knuckle two capsule strips along its top edge, flush
#: with its sides, a notch between them, three countersunk screw holes in a row; the face
#: about 0.47 of the image), both new, the held-out 59 kinds plus the new shape ``flake`` (a
#: lifted coating flake: a flat irregular polygon, a bright rim on its lit edge, a dark
#: shadow crescent cast past its other edge), and missing / extra; to be scored once with the
#: default (docs/anomaly-log.md, *Held-out 60*)
HOLDOUT60_SET = ("hingeleaf", "blued", 11000, HOLDOUT59_SET[3] + ("flake",))
PARTS["holdout60"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT60_SET,
                                          title="held-out 60")
#: the sixty-first held-out configuration (made 2026-12-07, thirty-first session, after
#: held-out 60, before any later change): texture ``veneer`` (a sanded, lacquered
#: flat-sliced oak veneer face: growth rings 6-12 px apart bent into nested parabolic arches,
#: each darkening ever faster from light earlywood to dark latewood, then light at once; short
#: dark pore dashes along the grain in each ring's first quarter; straight fibres along the
#: grain at an angle drawn per part; a faint tint) and layout ``bayonet`` (a twist-lock plate:
#: a disc of radius 0.46 of the smaller side with three L-shaped bayonet slots milled in from
#: its rim, each radially in, then 40 degrees round under a thin lip; a centre bore and three
#: screw holes; the face about 0.57 of the image), both new, the held-out 60 kinds plus the
#: new shape ``filiform`` (filiform corrosion: faint bright meandering tracks from one pit,
#: each ending in a dark head), and missing / extra; to be scored once with the default
#: (docs/anomaly-log.md, *Held-out 61*)
HOLDOUT61_SET = ("bayonet", "veneer", 11100, HOLDOUT60_SET[3] + ("filiform",))
PARTS["holdout61"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT61_SET,
                                          title="held-out 61")
#: the sixty-second held-out configuration (made 2026-12-07, thirty-second session, after
#: held-out 61, before any later change): texture ``sunray`` (a sunray brushed face: 512 fine
#: lines radiating from a spin centre within 0.04 of the side of the middle, drifting in
#: strength along the radius, averaged where they crowd so the middle turns smooth; a bow-tie
#: sheen, two sectors bright and two dull by the light's azimuth, drawn per part; a fine
#: grain) and layout ``axialfan`` (an axial fan's blade wheel: a hub of 0.2 of the smaller side
#: and four swept blades, each the lens between two circular arcs, their tips cut on the
#: circle of 0.46; a centre bore and a bolt hole at each blade's root; the face about 0.43 of
#: the image), both new, the held-out 61 kinds plus the new shape ``spiderweb`` (a spider-web
#: impact crack: radial cracks from a pit tied by rings of straight chords), and missing /
#: extra; to be scored once with the default (docs/anomaly-log.md, *Held-out 62*)
HOLDOUT62_SET = ("axialfan", "sunray", 11200, HOLDOUT61_SET[3] + ("spiderweb",))
PARTS["holdout62"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT62_SET,
                                          title="held-out 62")
#: the sixty-third held-out configuration (made 2026-12-07, thirty-second session, after
#: held-out 62, before any later change): texture ``foam`` (the milled face of a closed-cell
#: aluminium foam panel: Voronoi cells of 13-20 px cut open into bowls of their own depths,
#: each shaded by its slope to a light drawn per part and darker the deeper it is, between
#: thin light flat walls that thicken where they meet; a fine grain) and layout ``busbar``
#: (an offset busbar link: a bar 0.34 of the smaller side wide along a centre line bent
#: twice, its middle leg oblique, its ends square; two bolt holes in each end's pad; the
#: face about 0.41 of the image), both new, the held-out 62 kinds plus the new shape
#: ``fishscale`` (enamel fish-scaling: a cluster of half-moon craters, each deepest and lit
#: along its curve, all facing one way), and missing / extra; to be scored once with the
#: default (docs/anomaly-log.md, *Held-out 63*)
HOLDOUT63_SET = ("busbar", "foam", 11300, HOLDOUT62_SET[3] + ("fishscale",))
PARTS["holdout63"] = lambda *a: _holdout6(*a, configs=HOLDOUT6_CONFIGS[2:], which=HOLDOUT63_SET,
                                          title="held-out 63")
#: the face signal over its local RMS (``local_rms``, an option: rules 57 and 57b,
#: docs/anomaly-log.md, *The face signal over its local RMS*): the default and the option
#: with its gate on the most uneven development set and on the fresh set that judged it
LOCAL_RMS_CONFIGS = (("default", {}), ("local_rms auto (an option)", dict(local_rms="auto")))


def _local_rms(quick, deep, rows, rep):
    for which, title in ((HOLDOUT15_SET, "held-out 15"), (HOLDOUT46_SET, "held-out 46")):
        _holdout6(quick, deep, rows, rep, configs=LOCAL_RMS_CONFIGS, which=which, title=title)


PARTS["local_rms"] = _local_rms

#: the ring channel (``ring_scan``, an option: rule 58, docs/anomaly-log.md, *A ring
#: channel*): the default and the option on the development set it gained most on and on the
#: fresh set that judged it
RING_CONFIGS = (("default", {}), ("ring_scan auto (an option)", dict(ring_scan="auto")))


def _ring_scan(quick, deep, rows, rep):
    for which, title in ((HOLDOUT46_SET, "held-out 46"), (HOLDOUT48_SET, "held-out 48")):
        _holdout6(quick, deep, rows, rep, configs=RING_CONFIGS, which=which, title=title)


PARTS["ring_scan"] = _ring_scan

#: the jet channel whitened by the training spectrum turned to each part's lay (``lay_turn``,
#: the default "auto" since rule 60, docs/anomaly-log.md, *The training spectrum turned to
#: each part's lay*): without it and with it (the default) on the development set it gained
#: most on (broached) and on the fresh set that judged it (belt-sanded); both lays turn from
#: part to part
LAY_TURN_CONFIGS = (("lay_turn off (before rule 60)", dict(lay_turn=False)),
                    ("default (lay_turn auto)", {}))


def _lay_turn(quick, deep, rows, rep):
    for which, title in ((HOLDOUT48_SET, "held-out 48"), (HOLDOUT51_SET, "held-out 51")):
        _holdout6(quick, deep, rows, rep, configs=LAY_TURN_CONFIGS, which=which,
                  title=title)


PARTS["lay_turn"] = _lay_turn

#: the detectability sweep (issue 15): the held-out sets the default misses, their test
#: defects drawn at these multiples of the generator's contrast (``contrast_scale``), and the
#: sets it passes, whose defect contrast in units of the texture is measured at scale 1 only
CONTRAST_SETS = {"held-out 3 (rail, honed)": LINE_SETS["held-out 3 (rail, honed)"],
                 "held-out 4 (yoke, cast)": LINE_SETS["held-out 4 (yoke, cast)"],
                 "held-out 5 (bridge, sintered)": LINE_SETS["held-out 5 (bridge, sintered)"],
                 "held-out 7 (manifold, scraped)": HOLDOUT7_SET}
CONTRAST_REFERENCE = {"held-out (bracket, milled)": LINE_SETS["held-out (bracket, milled)"],
                      "held-out 6 (clevis, faced)": HOLDOUT6_SET}
CONTRAST_SCALES = (1.0, 1.5, 2.0, 3.0)


def _face_region(image):
    """The machined face of a rendered part: above the midpoint between a hole's bottom (45
    gray levels) and the face (150) after a 5 px median, which drops pores and grain."""
    from scipy import ndimage

    return ndimage.median_filter(image, 5) > 97


def _scaled_defects(layout, texture, seed, kinds, n_good, n_per, scales):
    """The good test images and, per scale, the defect images of ``make_defect_set(n_good,
    kinds, n_per, seed=seed)`` (its child seeds, so scale 1 is that set), plus each defect
    drawn at a near-zero scale: its defect-free twin (same part, noise and lighting)."""
    from metrology.synth.defects import render_defect_sample

    kw = dict(layout=layout, texture=texture, **JITTER)
    seeds = np.random.SeedSequence(seed).spawn(n_good + n_per * len(kinds))
    good = [render_defect_sample((256, 256), "good", rng=np.random.default_rng(s), **kw)
            for s in seeds[:n_good]]
    which = [k for k in kinds for _ in range(n_per)]

    def draw(scale):
        return [render_defect_sample((256, 256), k, rng=np.random.default_rng(s),
                                     contrast_scale=scale, **kw)
                for k, s in zip(which, seeds[n_good:])]
    return good, {sc: draw(sc) for sc in scales}, draw(1e-6)


def _contrast_units(good, defects, twins):
    """Texture sigma (median over the good faces, :func:`texture_sigma`) and, per kind, the
    mean defect contrast in its units: drawn (``|DefectSpec.contrast|``) and seen (largest
    ``|image - twin|`` inside the mask: after blur, lighting and 8-bit rounding, +-1 gray)."""
    from metrology.synth.defects import texture_sigma

    sigma = float(np.median([texture_sigma(s.image, _face_region(s.image)) for s in good]))
    drawn, seen = {}, {}
    for d, t in zip(defects, twins):
        diff = np.abs(d.image.astype(float) - t.image)[d.mask]
        drawn.setdefault(d.kind, []).append(abs(d.defects[0].contrast) / sigma)
        seen.setdefault(d.kind, []).append(float(diff.max()) / sigma if diff.size else 0.0)
    every = [np.concatenate(list(v.values())) for v in (drawn, seen)]
    return {"texture_sigma": sigma, "drawn_sigma": float(every[0].mean()),
            "seen_sigma": float(every[1].mean()),
            "seen_sigma_per_kind": {k: float(np.mean(v)) for k, v in seen.items()}}


def _contrast(quick, deep, rows, rep):
    """Detectability (issue 15): is a held-out set's gap the scorer or its defects' visibility?
    Per set, the default ``PatchCore()`` fitted once on the unchanged good training parts, the
    same test parts scored with their defects at each of :data:`CONTRAST_SCALES` (quick sizes
    always: 40 training, 15 good, 6 per kind); the defect contrast in units of the texture's
    sigma beside it, and for the sets the default passes (held-out 1 and 6) at scale 1."""
    n_train, n_good, n_per = 40, 15, 6
    for name, (layout, texture, seed, kinds) in CONTRAST_SETS.items():
        kw = dict(layout=layout, texture=texture, **JITTER)
        train = [s.image for s in make_defect_set(n_train, (), 0, seed=seed, **kw)]
        good, scaled, twins = _scaled_defects(layout, texture, seed + 1, kinds, n_good, n_per,
                                              CONTRAST_SCALES)
        t0 = time.process_time()
        pc = PatchCore().fit(train)
        fit_ms = (time.process_time() - t0) * 1e3
        for sc in CONTRAST_SCALES:
            t0 = time.process_time()
            e = _evaluate(pc, None, good + scaled[sc], aligned=False, surface=kinds)
            e.update(_contrast_units(good, scaled[sc], twins), scale=sc,
                     fit_cpu_ms=round(fit_ms, 1),
                     score_cpu_ms=round((time.process_time() - t0) * 1e3, 1))
            rows.append(Row(f"anomaly contrast x{sc:g} {name}", fit_ms, "-", float("nan"),
                            f"{_fmt(e)}; {_units(e)}", e))
            _print(rows[-1])
    for name, (layout, texture, seed, kinds) in CONTRAST_REFERENCE.items():
        good, scaled, twins = _scaled_defects(layout, texture, seed + 1, kinds, n_good, n_per,
                                              (1.0,))
        e = _contrast_units(good, scaled[1.0], twins)
        rows.append(Row(f"anomaly contrast x1 {name} (reference)", float("nan"), "-",
                        float("nan"), _units(e), e))
        _print(rows[-1])


def _units(e):
    per = " ".join(f"{k} {v:.1f}" for k, v in e["seen_sigma_per_kind"].items())
    return (f"texture sigma {e['texture_sigma']:.2f} gray; defect contrast drawn "
            f"{e['drawn_sigma']:.1f} sigma, seen {e['seen_sigma']:.1f} sigma ({per})")


PARTS["contrast"] = _contrast

#: the texture-energy channel's comparison (issue 15, 2026-12-04 late night): tune and held-outs
#: 1-8, each drawn as its own part draws it (40 training parts, 15 good, 6 per surface kind at
#: quick sizes; the missing / extra parts drawn and left out, they are the position-aware
#: check's), the channel off against the default (``"auto"``: on with the classical features;
#: measured first as ``texture_energy=True`` against the then default, the same fits)
ENERGY_SETS = {"tune (plate, brushed)": LINE_SETS["tune (plate, brushed)"],
               "held-out 1 (bracket, milled)": LINE_SETS["held-out (bracket, milled)"],
               **{k: v for k, v in LINE_SETS.items() if k.startswith("held-out ")
                  and "milled" not in k},
               "held-out 6 (clevis, faced)": HOLDOUT6_SET,
               "held-out 7 (manifold, scraped)": HOLDOUT7_SET,
               "held-out 8 (grille, eroded)": HOLDOUT8_SET}
ENERGY_CONFIGS = (("texture_energy=False (the former default)", dict(texture_energy=False)),
                  ("texture_energy='auto' (default since 2026-12-04 late night)", {}))


def _energy(quick, deep, rows, rep, sets=tuple(ENERGY_SETS)):
    """The texture-energy channel off (the former default) and on (the default), per set:
    image AUROC of the surface kinds, per kind, map peak on the defect, score and fit CPU."""
    n_train, n_good, n_per = (40, 15, 6) if quick else (100, 30, 12)
    for name in sets:
        layout, texture, seed, kinds = ENERGY_SETS[name]
        kw = dict(layout=layout, texture=texture, **JITTER)
        train = [s.image for s in make_defect_set(n_train, (), 0, seed=seed, **kw)]
        test = make_defect_set(n_good, tuple(kinds) + FEATURE_KINDS, n_per, seed=seed + 1,
                               **kw)
        test = [s for s in test if s.kind not in FEATURE_KINDS]
        for label, opts in ENERGY_CONFIGS:
            _fit_and_score(f"anomaly {name}: {label}", opts, train, None, test, kinds, False,
                           rows, rep)


def _fit200(rows, rep, configs, note):
    """Fit of 200 training images (plate, brushed; as ``speed``) under each of ``configs``
    and the score of one image, CPU; ``note(pc)``: the row's extra text."""
    train, _ = _sets(200, 0, 0, layout="plate", texture="brushed", seed=500)
    imgs = [s.image for s in train]
    img = imgs[0]
    for label, opts in configs:
        t0 = time.process_time()
        pc = PatchCore(**opts).fit(imgs)
        fit_s = time.process_time() - t0
        rows.append(Row(f"anomaly fit 200 images: {label}",
                        median_ms(lambda pc=pc: pc.score(img), repeat=rep), "-", float("nan"),
                        f"fit {fit_s:.1f} s CPU; {note(pc)}", {"fit_cpu_s": fit_s}))
        _print(rows[-1])


def _energy_fit(quick, deep, rows, rep):
    """Fit of 200 training images, default and with the texture-energy channel."""
    _fit200(rows, rep, ENERGY_CONFIGS, lambda pc: (
        f"energy channel {pc.info.get('texture_energy_seconds', 0):.2f} s wall"))


PARTS["energy"] = _energy
PARTS["energy_fit"] = _energy_fit

#: the jet channel's comparison (issue 15, 2026-12-05 early morning): the energy part's sets and
#: held-outs 9-12, the channel off (the former default) against the default (on with the line
#: channel from 40 good images); the rule that made it the default was judged at full size
#: (this part without ``--quick``) against 90 good parts (docs/anomaly-log.md, *The jet channel*)
JET_SETS = {**ENERGY_SETS, "held-out 9 (hub, lapped)": HOLDOUT9_SET,
            "held-out 10 (lever, ground)": HOLDOUT10_SET,
            "held-out 11 (strip, spangle)": HOLDOUT11_SET,
            "held-out 12 (bezel, woven)": HOLDOUT12_SET}
JET_CONFIGS = (("jet_scan=False (the former default)", dict(jet_scan=False)),
               ("jet_scan='auto' (default since 2026-12-05)", {}))


def _jet(quick, deep, rows, rep):
    """The jet channel off and on (the default) per set: AUROC of the surface kinds, per kind,
    map peak on the defect, score and fit CPU."""
    n_train, n_good, n_per = (40, 15, 6) if quick else (100, 30, 12)
    for name, (layout, texture, seed, kinds) in JET_SETS.items():
        kw = dict(layout=layout, texture=texture, **JITTER)
        train = [s.image for s in make_defect_set(n_train, (), 0, seed=seed, **kw)]
        test = make_defect_set(n_good, tuple(kinds), n_per, seed=seed + 1, **kw)
        for label, opts in JET_CONFIGS:
            _fit_and_score(f"anomaly {name}: {label}", opts, train, None, test, kinds, False,
                           rows, rep)


def _jet_fit(quick, deep, rows, rep):
    """Fit of 200 training images and one score, with and without the jet channel."""
    _fit200(rows, rep, JET_CONFIGS, lambda pc: f"jet {pc.info.get('jet_scan')}")


PARTS["jet"] = _jet
PARTS["jet_fit"] = _jet_fit

#: the jet head (issue 15, an option since the sixteenth session, rules 45 and 46): off (the
#: default), gated and always on
JET_HEAD_CONFIGS = (("jet_head=False (the default)", {}),
                    ("jet_head='auto' (the gated option)", dict(jet_head="auto")),
                    ("jet_head=True", dict(jet_head=True)))


def _jet_head_fit(quick, deep, rows, rep):
    """Fit of 200 training images and one score, without the jet head, gated and on."""
    _fit200(rows, rep, JET_HEAD_CONFIGS, lambda pc: (
        f"head {pc.info.get('jet_head')} {pc.info.get('jet_head_seconds', 0):.1f} s wall"))


PARTS["jet_head_fit"] = _jet_head_fit


#: the channels with the pretrained backbone (issue 15, 2026-12-04/05 night): the pretrained
#: default extractor with both channels off (its "auto" behaviour when measured), with the
#: texture-energy and line channels, and with the texture-energy channel alone (its "auto"
#: behaviour since: docs/anomaly-log.md, *The channels with the pretrained backbone*)
DEEPCHAN_CONFIGS = (
    ("channels off (the former pretrained default)",
     dict(features="efficientnet-lite0", texture_energy=False, line_scan=False)),
    ("texture_energy + line_scan", dict(features="efficientnet-lite0", texture_energy=True,
                                        line_scan=True)),
    ("texture_energy only (the pretrained default since)",
     dict(features="efficientnet-lite0", texture_energy=True, line_scan=False)))


def _deepchan_sets(quick):
    """The sets of ``deepchan``: the scikit-image textures as ``skimage`` draws them and the
    generator's tune and held-out 1 as ``select`` / ``energy`` draw them at quick sizes (40
    training parts, 15 good, 6 per texture kind; missing / extra drawn and left out).
    Yields (name, training images, test samples)."""
    from skimage import data

    n_tr, n_g, n_p = (40, 20, 6) if not quick else (20, 10, 3)
    for tex in ("brick", "gravel", "grass"):
        photo = getattr(data, tex)()
        kw = dict(shape=(256, 256), texture_amplitude=4.0, **JITTER)
        train = make_defect_set(n_tr, (), 0, seed=400, texture=photo[:, :300], **kw)
        test = make_defect_set(n_g, TEXTURE_KINDS, n_p, seed=401, texture=photo[:, 212:], **kw)
        yield f"skimage {tex}", [s.image for s in train], test
    for name in ("tune (plate, brushed)", "held-out (bracket, milled)"):
        layout, texture, seed, kinds = LINE_SETS[name]
        kw = dict(layout=layout, texture=texture, **JITTER)
        train = make_defect_set(40, (), 0, seed=seed, **kw)
        test = make_defect_set(15, kinds + FEATURE_KINDS, 6, seed=seed + 1, **kw)
        yield name, [s.image for s in train], [s for s in test if s.kind not in FEATURE_KINDS]


def _deepchan(quick, deep, rows, rep):
    """The texture-energy and line channels with the pretrained default extractor
    (``PatchCore("efficientnet-lite0")``), off / both / texture energy alone, per set: AUROC of
    the texture kinds position-free, per kind, map peak on the defect, score and fit CPU."""
    if not deep:
        return
    for name, imgs, test in _deepchan_sets(quick):
        for label, opts in DEEPCHAN_CONFIGS:
            _fit_and_score(f"anomaly {name}: efficientnet-lite0, {label}", opts, imgs, None,
                           test, TEXTURE_KINDS, False, rows, rep)


PARTS["deepchan"] = _deepchan


#: the discriminator channel (``cnn_scan=True``, an option since 2026-12-05, ninth session): on
#: held-out 20, scored once with it beside the default (part ``holdout20``), and on the fit of
#: 200 images (docs/anomaly-log.md, *The discriminator channel*)
CNN_CONFIGS = (("cnn_scan=True (option)", dict(cnn_scan=True)),)
PARTS["holdout20_cnn"] = lambda *a: _holdout6(*a, configs=CNN_CONFIGS, which=HOLDOUT20_SET,
                                              title="held-out 20")
PARTS["holdout21_cnn"] = lambda *a: _holdout6(*a, configs=CNN_CONFIGS, which=HOLDOUT21_SET,
                                              title="held-out 21")
PARTS["holdout25_cnn"] = lambda *a: _holdout6(*a, configs=CNN_CONFIGS, which=HOLDOUT25_SET,
                                              title="held-out 25")
PARTS["cnn_fit"] = lambda quick, deep, rows, rep: _fit200(rows, rep, CNN_CONFIGS, lambda pc: (
    f"cnn channel {pc.info.get('cnn_scan')}, {pc.info.get('cnn_scan_seconds', 0):.0f} s wall"))



def _cnn_score(quick, deep, rows, rep):
    """Scoring with the discriminator channel (``cnn_scan=True``): its net run by OpenCV's DNN
    module (the default way) against the numpy forward and the channel left out, the same
    bank, one image, CPU.  The bank is trained 100 steps instead of 2000 to keep the part
    short: the scoring cost does not depend on the steps (the same net, other weights)."""
    from metrology.anomaly import _cnn_scan

    train, _ = _sets(200, 0, 0, layout="plate", texture="brushed", seed=500)
    imgs = [s.image for s in train]
    steps = _cnn_scan.STEPS
    _cnn_scan.STEPS = 100
    try:
        pc = PatchCore(cnn_scan=True).fit(imgs)
    finally:
        _cnn_scan.STEPS = steps
    img, cnn = imgs[0], pc._cnn
    before = cv2.getNumThreads()
    for threads in (before, 1):  # OpenCV's own threads (its default), then one
        cv2.setNumThreads(threads)
        try:
            _cnn_score_row(rows, rep, pc, cnn, img, f"OpenCV threads {threads}")
        finally:
            cv2.setNumThreads(before)


def _cnn_score_row(rows, rep, pc, cnn, img, label):
    from metrology.anomaly import _cnn_scan

    rep = max(rep, 21)
    dnn = median_ms(lambda: pc.score(img), repeat=rep)
    _cnn_scan.SCORE_WITH_DNN = False
    try:
        numpy_ms = median_ms(lambda: pc.score(img), repeat=rep)
    finally:
        _cnn_scan.SCORE_WITH_DNN = True
    pc._cnn = None
    try:
        off = median_ms(lambda: pc.score(img), repeat=rep)
    finally:
        pc._cnn = cnn
    rows.append(Row(f"anomaly score, cnn_scan=True, {label}: net by OpenCV DNN vs numpy", dnn,
                    "numpy forward", numpy_ms, f"without the channel {off:.1f} ms (same bank)",
                    {"dnn_ms": dnn, "numpy_ms": numpy_ms, "off_ms": off}))
    _print(rows[-1])


PARTS["cnn_score"] = _cnn_score


def _skimage_cnn(quick, deep, rows, rep):
    """scikit-image's photographed CC0 textures with the project's defects (as ``skimage``,
    non-quick: 40 training parts, 20 good, 6 per kind, plus 60 more good parts to score
    against), the default against the discriminator channel (``cnn_scan=True``), the same
    training parts: real textures the channel was never developed on."""
    from skimage import data

    for tex in ("brick", "gravel", "grass"):
        photo = getattr(data, tex)()
        kw = dict(shape=(256, 256), texture_amplitude=4.0, **JITTER)
        train = make_defect_set(40, (), 0, seed=400, texture=photo[:, :300], **kw)
        test = make_defect_set(20, TEXTURE_KINDS, 6, seed=401, texture=photo[:, 212:], **kw)
        more = [s.image for s in make_defect_set(60, (), 0, seed=402, texture=photo[:, 212:],
                                                 **kw)]
        imgs = [s.image for s in train]
        out = {}
        for label, opts in (("default", {}), ("cnn_scan=True", dict(cnn_scan=True))):
            c0 = time.process_time()
            pc = PatchCore(**opts).fit(imgs)
            fit_s = time.process_time() - c0
            out[label] = _evaluate(pc, train, test, aligned=False, extra_good=more)
            out[label]["fit_cpu_s"] = fit_s
            img = test[0].image
            out[label]["score_ms"] = median_ms(lambda pc=pc, img=img: pc.score(img),
                                               repeat=rep)
        d, c = out["default"], out["cnn_scan=True"]
        rows.append(Row(f"anomaly skimage {tex}: default vs cnn_scan=True", c["score_ms"],
                        "default", d["score_ms"],
                        f"default {_fmt(d)}, fit {d['fit_cpu_s']:.0f} s; cnn_scan=True "
                        f"{_fmt(c)}, fit {c['fit_cpu_s']:.0f} s", out))
        _print(rows[-1])


PARTS["skimage_cnn"] = _skimage_cnn

def _print(r: Row) -> None:
    print(f"{r.name:58s} {r.ours_ms:10.1f} ms  {r.peer:20s} {r.peer_ms:10.1f} ms  "
          f"x{r.ratio:5.1f}  {r.accuracy}", flush=True)


def run(quick: bool = False, parts=tuple(PARTS), deep: bool | None = None) -> list[Row]:
    rep = 5 if quick else 15
    rows: list[Row] = []
    deep = _deep_available() if deep is None else deep
    for p in parts:
        PARTS[p](quick, deep and not (quick and p in ("generator", "tuned")), rows, rep)
    return rows


if __name__ == "__main__":
    import sys

    args = sys.argv[1:]
    if "--no-line-refine" in args:
        # the line channel's plain scan, without the refinement at the half steps (on by default)
        from metrology.anomaly import _line_scan

        _line_scan.REFINE = False
    parts = [a.split("=", 1)[1] for a in args if a.startswith("--part=")] or list(PARTS)
    run(quick="--quick" in args, parts=parts, deep=False if "--no-deep" in args else None)
