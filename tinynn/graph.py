"""The one graph walker both engines use (drawing and traces are in viz.py).

A computation graph is a DAG whose nodes know their inputs ("parents"). Backpropagation needs
the nodes in an order where every node comes after all of its inputs; then walking that list
backwards visits each node only after every node that used it has passed its gradient on.
"""


def topo_sort(root, parents):
    """Nodes reachable from `root`, each listed after all of its inputs.

    `parents(node)` returns the node's inputs; nodes hash by identity (Value and Tensor do), so the
    nodes already seen are kept in a set. Depth-first search with an explicit stack of
    (node, iterator over its inputs), so a chain of 100,000 nodes needs no recursion (micrograd's
    recursive version stops near depth 1000). A node is finished, and appended, once all its
    inputs are; each node appears once, however often it is reused.
    """
    order, seen = [], {root}
    stack = [(root, iter(parents(root)))]
    while stack:
        node, inputs = stack[-1]
        for p in inputs:
            if p not in seen:
                seen.add(p)
                stack.append((p, iter(parents(p))))
                break
        else:
            stack.pop()
            order.append(node)
    return order
