"""The label set the classifier predicts and how GoEmotions maps onto it."""

# Order is the model's output order (config.json id2label); the first six are the
# CARER "emotion" dataset's labels in its own id order, neutral is ours.
LABELS = ("sadness", "joy", "love", "anger", "fear", "surprise", "neutral")
EMOTIONS = LABELS[:6]
NEUTRAL = "neutral"

# GoEmotions' 27 emotions + neutral onto our seven labels. Based on the authors'
# Ekman mapping (ekman_mapping.json) with two changes:
# - love, caring and desire go to `love` (CARER separates love from joy);
# - disgust goes to `anger` (we have no disgust label; it is anger's nearest).
# Approval and realization stay with joy and surprise as in the Ekman mapping: the
# annotators saw them as (mild) emotion, and leaving them out taught the model to call
# such comments neutral (neutral precision 0.53 on GoEmotions dev in the first run).
GOEMOTIONS_TO_LABEL = {
    "admiration": "joy",
    "amusement": "joy",
    "approval": "joy",
    "excitement": "joy",
    "gratitude": "joy",
    "joy": "joy",
    "optimism": "joy",
    "pride": "joy",
    "relief": "joy",
    "caring": "love",
    "desire": "love",
    "love": "love",
    "anger": "anger",
    "annoyance": "anger",
    "disapproval": "anger",
    "disgust": "anger",
    "fear": "fear",
    "nervousness": "fear",
    "disappointment": "sadness",
    "embarrassment": "sadness",
    "grief": "sadness",
    "remorse": "sadness",
    "sadness": "sadness",
    "confusion": "surprise",
    "curiosity": "surprise",
    "realization": "surprise",
    "surprise": "surprise",
    "neutral": "neutral",
}
