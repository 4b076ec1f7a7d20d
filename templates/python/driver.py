# codeq test driver (Python 3). Runs the candidate in /job/solution.py on every case of
# /job/cases.json ({"nonce", "seed", "cases"}; random is seeded with seed + index before each case)
# and prints one line per case:
# "@@codeq <nonce> <index> <result as JSON>". /job/spec.json says what to call:
# {"mode": "call", "method", "params": [{"name", "kind"}], "result": kind, "inPlace"} or {"mode": "design", "init": [kind], "methods": {name: {"params":
# [kind], "result": kind}}}; kinds: value, float, tree, linkedlist, linkedlists, trees.
import json
import math
import sys

sys.setrecursionlimit(200000)

PRELUDE = """
from typing import *
from collections import *
from heapq import *
from bisect import *
from itertools import *
from functools import *
from math import *
del pow  # math.pow would shadow the built-in three-argument pow that solutions use
from string import *
import collections, heapq, bisect, itertools, functools, math, string, re, random, operator, copy, sys
try:
    from sortedcontainers import SortedList, SortedDict, SortedSet
except ImportError:
    pass

class ListNode:
    def __init__(self, val=0, next=None):
        self.val = val
        self.next = next

class TreeNode:
    def __init__(self, val=0, left=None, right=None):
        self.val = val
        self.left = left
        self.right = right
"""

spec = json.load(open('/job/spec.json'))
namespace = {'__name__': 'solution', '__builtins__': __builtins__}
exec(PRELUDE, namespace)
try:
    code = compile(open('/job/solution.py').read(), 'solution.py', 'exec')
except (SyntaxError, ValueError) as error:
    # Printed like Python's own parse errors (no "Traceback" header): a compile error.
    import traceback
    sys.stderr.write(''.join(traceback.format_exception_only(type(error), error)))
    sys.exit(1)
exec(code, namespace)


def make_list(values):
    head = None
    for value in reversed(values or []):
        head = namespace['ListNode'](value, head)
    return head


def make_tree(values):
    if not values or values[0] is None:
        return None
    cls = namespace['TreeNode']
    root = cls(values[0])
    queue, i = [root], 1
    for node in queue:
        if i >= len(values):
            break
        if values[i] is not None:
            node.left = cls(values[i])
            queue.append(node.left)
        i += 1
        if i < len(values) and values[i] is not None:
            node.right = cls(values[i])
            queue.append(node.right)
        i += 1
    return root


def build(kind, value):
    if kind == 'tree':
        return make_tree(value)
    if kind == 'linkedlist':
        return make_list(value)
    if kind == 'linkedlists':
        return [make_list(v) for v in value]
    if kind == 'trees':
        return [make_tree(v) for v in value]
    if kind == 'float' and isinstance(value, int):
        return float(value)
    return value


def dump_as(kind, value):
    # LeetCode prints a missing tree or list as [], not null.
    if value is None and kind in ('tree', 'linkedlist'):
        return []
    if kind in ('trees', 'linkedlists') and isinstance(value, (list, tuple)):
        return [dump_as(kind[:-1], v) for v in value]
    return dump(value)


def dump(value, depth=0):
    if depth > 10000:
        raise RecursionError('result nests too deeply (a cycle?)')
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, (list, tuple)):
        return [dump(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((dump(v, depth + 1) for v in value), key=lambda v: json.dumps(v))
    if hasattr(value, 'val') and hasattr(value, 'left') and hasattr(value, 'right'):
        out, queue = [], [value]
        for node in queue:
            if len(queue) > 10 ** 6:
                raise RecursionError('tree too large (a cycle?)')
            if node is None:
                out.append(None)
            else:
                out.append(dump(node.val, depth + 1))
                queue.append(node.left)
                queue.append(node.right)
        while out and out[-1] is None:
            out.pop()
        return out
    if hasattr(value, 'val') and hasattr(value, 'next'):
        out, seen = [], 0
        while value is not None:
            seen += 1
            if seen > 10 ** 6:
                raise RecursionError('linked list too long (a cycle?)')
            out.append(dump(value.val, depth + 1))
            value = value.next
        return out
    if isinstance(value, dict):
        pairs = [[dump(k, depth + 1), dump(v, depth + 1)] for k, v in value.items()]
        return sorted(pairs, key=lambda pair: json.dumps(pair))
    if hasattr(value, '__iter__'):
        return [dump(v, depth + 1) for v in value]
    raise TypeError('cannot print a result of type ' + type(value).__name__)


def emit(index, result):
    sys.stdout.write('@@codeq %s %d %s\n' % (nonce, index, json.dumps(result, separators=(',', ':'))))
    sys.stdout.flush()


data = json.load(open('/job/cases.json'))
nonce, cases, seed = data['nonce'], data['cases'], data.get('seed', 0)
random_module = __import__('random')
if spec['mode'] == 'design':
    methods = spec.get('methods', {})
    for index, case in enumerate(cases):
        random_module.seed(seed + index)
        cls = namespace[case['calls'][0]]
        obj = cls(*[build(k, v) for k, v in zip(spec.get('init', []), case['args'][0])] + case['args'][0][len(spec.get('init', [])):])
        results = [None]
        for name, args in zip(case['calls'][1:], case['args'][1:]):
            kinds = methods.get(name, {'params': [], 'result': 'value'})
            built = [build(k, v) for k, v in zip(kinds['params'], args)] + args[len(kinds['params']):]
            results.append(dump_as(kinds['result'], getattr(obj, name)(*built)))
        emit(index, results)
else:
    params = spec['params']
    for index, case in enumerate(cases):
        random_module.seed(seed + index)
        args = [build(p['kind'], v) for p, v in zip(params, case)]
        method = getattr(namespace['Solution'](), spec['method'])
        # Positionally, in the oracle's parameter order, as LeetCode calls it: a fix that
        # renames a parameter is still called right.
        result = method(*args)
        if spec['inPlace']:
            emit(index, dump_as(params[0]['kind'], args[0]))
        else:
            emit(index, dump_as(spec['result'], result))
