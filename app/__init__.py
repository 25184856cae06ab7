"""MLP Playground: a NumPy multi-layer perceptron trained live for a web page."""
