"""JSON layout shared by the golden-vector scripts: json.dumps, except that lists of scalars
(vectors) stay on one line, so diffs of the golden files stay readable."""
import json


def to_json(value, indent=0):
    pad = " " * indent
    if isinstance(value, dict):
        items = ['%s "%s": %s' % (pad, k, to_json(v, indent + 1)) for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (list, dict)) for v in value):
        items = [pad + " " + to_json(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(value)
