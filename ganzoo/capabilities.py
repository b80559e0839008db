"""The capability words components use in ``provides`` and ``needs``.

A combination is valid when every ``needs`` of every chosen component (and of the dataset) is in the
union of what the others ``provide``. Plugins may invent new words; these are the built-in ones.
"""

#: Data is images (C, H, W) / 2-D (or n-D) points; a dataset provides exactly one of them.
IMAGES = "images"
POINTS = "points"
#: The dataset carries class labels.
LABELS = "labels"
#: Nets that consume the class label (CGAN style) need LABELS and provide CONDITIONAL.
CONDITIONAL = "conditional"
#: Discriminator outputs: a real/fake score (logit or critic value), class logits, an InfoGAN Q head,
#: an energy (EBGAN autoencoder reconstruction error with its codes).
SCORE = "score"
CLASS_HEAD = "class-head"
Q_HEAD = "q-head"
ENERGY = "energy"
#: Generator input carries InfoGAN latent codes.
LATENT_CODES = "latent-codes"
#: Generator and discriminator are LAPGAN pyramids of per-level nets.
PYRAMID = "pyramid"
#: Provided by the LAPGAN trainer; pyramid nets need it, so they are never trained level-blind.
PYRAMID_TRAINER = "pyramid-trainer"
#: The critic is kept Lipschitz by its trainer (weight clipping); the plain WGAN loss needs it.
LIPSCHITZ = "lipschitz"
