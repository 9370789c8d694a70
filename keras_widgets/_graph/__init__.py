"""``kw.graph(model)``: interactive layer graphs (data in ``_data``, widget in ``_widget``)."""

from keras_widgets._graph._data import graph_data, layer_details
from keras_widgets._graph._widget import GraphWidget, graph

__all__ = ["GraphWidget", "graph", "graph_data", "layer_details"]
