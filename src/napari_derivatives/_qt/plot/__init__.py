"""The matplotlib plot of the line derivative panel; it knows nothing of napari."""
