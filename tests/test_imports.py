"The package's modules import one another without a cycle (issue 20, point 1), read from their source, lazy imports included"
import ast
from pathlib import Path
import pytest

PACKAGE = Path(__file__).resolve().parents[1]/'turbo_sim'


def module_imports(path:Path) -> set:
    "Names of the package's modules that the module at `path` imports, at any depth (imports inside functions count)"
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module: found.add(node.module.split('.')[0])
            elif node.level == 1: found.update(a.name for a in node.names)          # from . import x
            elif node.level == 0 and node.module and node.module.startswith('turbo_sim.'): found.add(node.module.split('.')[1])
            elif node.level == 0 and node.module == 'turbo_sim': found.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split('.')[1] for a in node.names if a.name.startswith('turbo_sim.'))
    return found


def import_graph(package:Path=PACKAGE) -> dict:
    "Module -> the package's modules it imports; the package's `__init__` and generated `_modidx` are left out"
    modules = {p.stem for p in package.glob('*.py') if not p.stem.startswith('_')}
    return {m: sorted(module_imports(package/f'{m}.py') & modules - {m}) for m in sorted(modules)}


def find_cycle(graph:dict):
    "One import cycle of `graph` as a list of modules (first repeated at the end), or None"
    state, path = {}, []
    def visit(m):
        state[m] = 'open'; path.append(m)
        for n in graph.get(m, ()):
            if state.get(n) == 'open': return path[path.index(n):] + [n]
            if n not in state and (cycle := visit(n)): return cycle
        state[m] = 'done'; path.pop()
    for m in graph:
        if m not in state and (cycle := visit(m)): return cycle
    return None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({'a': ['b'], 'b': ['c'], 'c': []}) is None
    assert find_cycle({'a': ['b'], 'b': ['c'], 'c': ['a']}) == ['a', 'b', 'c', 'a']
    assert find_cycle({'a': ['a2'], 'a2': [], 'm': ['f'], 'f': ['m']}) == ['m', 'f', 'm']


def test_imports_are_read_at_every_depth(tmp_path):
    (tmp_path/'m.py').write_text('from .layers import x\nimport turbo_sim.flows\ndef f():\n    from turbo_sim.losses import y\n    from turbo_sim import config\n')
    assert module_imports(tmp_path/'m.py') == {'layers', 'flows', 'losses', 'config'}


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert {'layers', 'config', 'models', 'flows', 'losses', 'train'} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, 'import cycle: ' + ' -> '.join(cycle)


def test_the_building_blocks_sit_below_every_map():
    graph = import_graph()
    for low in ('layers', 'config'):
        assert not set(graph[low]) & {'models', 'flows', 'response', 'losses', 'train'}, (low, graph[low])
    assert 'models' not in graph['flows'] and 'models' not in graph['response'] and 'losses' not in graph['models']
