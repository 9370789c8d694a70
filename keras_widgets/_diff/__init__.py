"""``kw.diff(model_a, model_b)``: what changed between two models.

``_snapshot`` freezes a model into plain data, ``_match`` pairs the layers, ``_core`` lists the
changes, ``_report`` shows them (text, HTML, DataFrame), ``_graph`` makes the merged graph and its
picture, ``_widget`` shows it in ``kw.graph``'s view.
"""

from keras_widgets._diff._core import LayerChange
from keras_widgets._diff._report import ModelDiff, diff
from keras_widgets._diff._snapshot import ModelSnapshot, snapshot

__all__ = ["LayerChange", "ModelDiff", "ModelSnapshot", "diff", "snapshot"]
