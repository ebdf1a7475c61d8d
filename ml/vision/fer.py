"""FER2013's layout, shared by training and serving: its labels, face size and pixel statistics (no torch)."""

# FER2013's label order (its integer ids 0-6); the network's outputs follow it.
FER_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
FACE_SIZE = 48
# Pixel statistics of the FER2013 training split (x / 255), fixed so serving needs no data.
PIXEL_MEAN = 0.5077
PIXEL_STD = 0.2522
