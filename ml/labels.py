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

# SemEval-2018 E-c's 11 emotions onto ours. Disgust, optimism and pessimism join their
# nearest label of ours; anticipation and trust have none (a row with only those is left
# out of training, and out of the real-tweet scores). A row with no emotion is neutral.
SEMEVAL_TO_LABEL = {
    "anger": "anger",
    "disgust": "anger",
    "joy": "joy",
    "optimism": "joy",
    "love": "love",
    "sadness": "sadness",
    "pessimism": "sadness",
    "fear": "fear",
    "surprise": "surprise",
    "anticipation": None,
    "trust": None,
}

# TweetEval emotion's four classes onto ours (optimism, as in SemEval, is joy's).
TWEETEVAL_TO_LABEL = {"anger": "anger", "joy": "joy", "optimism": "joy", "sadness": "sadness"}

# What an airline tweet's crowd-rated sentiment says about our labels: a negative tweet has
# one of the negative emotions (which one is left to the model), a positive one joy or love.
AIRLINE_SENTIMENT_TO_LABELS = {
    "negative": ("sadness", "anger", "fear"),
    "positive": ("joy", "love"),
    "neutral": ("neutral",),
}

# FER2013's seven facial expressions onto ours. A face shows no love (love gets no face mass); disgust
# joins anger, as it does for GoEmotions and SemEval.
FER_TO_LABEL = {
    "angry": "anger",
    "disgust": "anger",
    "fear": "fear",
    "happy": "joy",
    "sad": "sadness",
    "surprise": "surprise",
    "neutral": "neutral",
}

# Polarity (positive / neutral / negative, as MVSA labels photos and tweets) from our labels: the same split
# as a topic's positivity and negativity (ml.topics).
POLARITY_OF_LABEL = {
    "joy": "positive",
    "love": "positive",
    "surprise": "positive",
    "neutral": "neutral",
    "anger": "negative",
    "fear": "negative",
    "sadness": "negative",
}
