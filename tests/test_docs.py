"""The documentation site, checked as far as a machine without Quarto allows.

`nbdev_docs` runs nbdev's notebook processing (`nbdev.serve.proc_nbs`: every notebook through the
processors of `nbdev.processors.FilterDefaults`, which add and execute a `show_doc` for each exported
function and class) and then `quarto render`. Here: the sidebar lists every notebook in reading order,
that processing runs on every notebook without error, every public function and class gets its
`show_doc`, and the home page and `08_ttbar` (processed, then rendered to HTML by nbconvert) show the
results table and a figure when opened in headless Chromium. The screenshots of the last passing run
are kept in `tests/artifacts/`.
"""
import ast, json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path
import configparser
import pytest, yaml

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
ARTIFACTS = ROOT/'tests'/'artifacts'
NOTEBOOKS = sorted(p.name for p in NBS.glob('*.ipynb'))
PAGES = ('index.ipynb', '08_ttbar.ipynb')  # the home page and the reproduction


def reading_order(name):
    "Sort key of the sidebar: the home page first, then by number, `03a_` after `03_`"
    return (name != 'index.ipynb', name)  # '_' sorts before the letters


def sidebar_entries(contents):
    "The files of a Quarto sidebar's `contents`, sections flattened, in order"
    for o in contents:
        if isinstance(o, str): yield o
        else:
            if 'href' in o: yield o['href']
            yield from sidebar_entries(o.get('contents', []))


def test_sidebar_lists_every_notebook_in_reading_order():
    listed = list(sidebar_entries(yaml.safe_load((NBS/'sidebar.yml').read_text())['website']['sidebar']['contents']))
    missing = [n for n in NOTEBOOKS if n not in listed]
    assert not missing, f'nbs/sidebar.yml does not list {missing}: add them in reading order'
    assert listed[0] == 'index.ipynb' and len(listed) == len(set(listed)), listed
    assert listed == sorted(listed, key=reading_order), f'nbs/sidebar.yml is not in reading order: {listed}'


def test_quarto_reads_the_kept_sidebar():
    quarto = yaml.safe_load((NBS/'_quarto.yml').read_text())  # the one nbdev_docs copies into _proc/
    assert 'sidebar.yml' in quarto['metadata-files']
    cfg = configparser.ConfigParser(); cfg.read(ROOT/'settings.ini')
    assert cfg['DEFAULT'].getboolean('custom_sidebar'), 'with custom_sidebar = False nbdev_docs overwrites nbs/sidebar.yml'


# nbdev_docs runs this per notebook (in worker processes, from the repo root); here one process runs them all
PROCESS = '''
import json, sys, traceback
from pathlib import Path
import nbdev.serve_drv
from nbdev.processors import FilterDefaults
out, errors = Path(sys.argv[1]), {}
for src in map(Path, sys.argv[2:]):
    try: nbdev.serve_drv.main((src, out/src.name, FilterDefaults))
    except Exception as e: errors[src.name] = f"{e}\\n{e.__cause__!r}" if e.__cause__ else traceback.format_exc()
print('ERRORS', json.dumps(errors))
'''


@pytest.fixture(scope='module')
def processed(tmp_path_factory):
    "Folder of every notebook as nbdev_docs hands it to Quarto, and {notebook: error} for those it could not process"
    out = tmp_path_factory.mktemp('proc')
    r = subprocess.run([sys.executable, '-c', PROCESS, str(out), *(str(NBS/n) for n in NOTEBOOKS)],
                       cwd=ROOT, capture_output=True, text=True, env={**os.environ, 'MPLBACKEND': 'Agg'})
    line = next((l for l in r.stdout.splitlines() if l.startswith('ERRORS ')), None)
    assert line, f'the processing stopped: {r.stderr[-3000:]}'
    return out, json.loads(line[len('ERRORS '):])


@pytest.mark.parametrize('name', NOTEBOOKS)
def test_nbdev_processes_notebook(processed, name):
    out, errors = processed
    assert name not in errors, (f'nbdev_docs would stop on {name}. Its processing runs every exported cell and every '
        f'cell holding an import (nbdev FAQ: keep imports in cells of their own):\n{errors.get(name)}')
    assert (out/name).exists()


def directives(source):
    "The `#| name` directives at the top of a cell's source"
    return {m.group(1) for m in re.finditer(r'^#\s*\|\s*([\w-]+)', source, re.M)}


def public_api(nb_path):
    "Names that need a `show_doc`: functions and classes of the `#| export` cells without a leading underscore"
    names = []
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] != 'code' or not directives(src) & {'export', 'exports'}: continue
        for node in ast.parse(src).body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or node.name.startswith('_'): continue
            patched = any(getattr(d.func if isinstance(d, ast.Call) else d, 'id', None) == 'patch' for d in node.decorator_list)
            names.append(f'{ast.unparse(node.args.args[0].annotation)}.{node.name}' if patched else node.name)
    return names


def shown_docs(nb_path):
    "{name: markdown shown} of the `show_doc` cells of a processed notebook that produced output"
    res = {}
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        m = re.search(r'^show_doc\(\s*([\w.]+)', ''.join(cell.get('source', '')), re.M)
        if cell['cell_type'] != 'code' or not m: continue
        res[m.group(1)] = ''.join(''.join(o.get('data', {}).get('text/markdown', '')) for o in cell.get('outputs', []))
    return res


def test_public_api_parser():
    nb = dict(cells=[dict(cell_type='code', source='#| export\ndef f(x): pass\ndef _g(): pass\nclass C: pass\n@patch\ndef m(self:C): pass'),
                     dict(cell_type='code', source='def h(): pass'), dict(cell_type='markdown', source='#| export')])
    with tempfile.TemporaryDirectory() as d:
        (Path(d)/'nb.ipynb').write_text(json.dumps(nb))
        assert public_api(Path(d)/'nb.ipynb') == ['f', 'C', 'C.m']


@pytest.mark.parametrize('name', [n for n in NOTEBOOKS if public_api(NBS/n)])
def test_show_doc_for_every_public_function_and_class(processed, name):
    out, errors = processed
    if name in errors: pytest.fail(f'nbdev could not process {name} (see test_nbdev_processes_notebook)')
    shown = shown_docs(out/name)
    undocumented = [n for n in public_api(NBS/name) if n.split('.')[-1] not in shown.get(n, '')]
    assert not undocumented, f'{name}: no show_doc output for {undocumented}'


# ---- the home page and 08_ttbar in a browser

def browser():
    return next((shutil.which(b) for b in ('chromium', 'chromium-browser', 'google-chrome') if shutil.which(b)), None)


# Marks each image with its loaded width. With #table or #figure in the address it also removes everything
# before the results table or the first figure, so the screenshot starts there (a scrolled headless
# screenshot comes out blank).
PROBE = '''<script>
addEventListener('load', () => {
  const imgs = [...document.images];
  imgs.forEach(i => i.dataset.naturalWidth = i.naturalWidth);
  const table = [...document.querySelectorAll('table')].find(t => t.textContent.includes('turbo-sim best') && t.rows[0].cells.length > 10);
  const target = {'#table': table, '#figure': imgs.find(i => i.naturalWidth >= 200)}[location.hash];
  for (let e = target; e && e !== document.body; e = e.parentElement)
    while (e.previousElementSibling) e.previousElementSibling.remove();
});
</script>'''


def to_html(processed_nb, site):
    "`processed_nb` rendered by nbconvert into `site/nbs/`, beside links to the repository's folders (relative paths resolve as in nbs/)"
    import nbformat
    from nbconvert import HTMLExporter
    (site/'nbs').mkdir(parents=True, exist_ok=True)
    for p in ROOT.iterdir():
        if p.name != 'nbs' and not p.name.startswith('.') and not (site/p.name).exists(): (site/p.name).symlink_to(p)
    nb = nbformat.read(processed_nb, as_version=4)
    if nb.cells and nb.cells[0].cell_type == 'raw' and nb.cells[0].source.startswith('---'):  # Quarto's front matter: its title and summary
        fm = yaml.safe_load(nb.cells[0].source.strip().strip('-'))
        nb.cells[0] = nbformat.v4.new_markdown_cell(f"# {fm.get('title', '')}\n\n> {fm.get('description', '')}")
    for i, c in enumerate(nb.cells):  # nbdev leaves exported cells without a source and marks show_doc cells with has_sd
        c.setdefault('source', ''); c.setdefault('id', f'cell-{i}'); c.pop('has_sd', None)
    html, _ = HTMLExporter(embed_images=True).from_notebook_node(nb, resources={'metadata': {'path': str(NBS)}})
    page = site/'nbs'/Path(processed_nb).with_suffix('.html').name
    page.write_text(html.replace('</body>', PROBE + '</body>'))
    return page


def chromium(*args):
    "Run headless Chromium; its stdout"
    cmd = [browser(), '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1280,1000', *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f'{cmd} failed: {r.stderr[-2000:]}'
    return r.stdout


KS_CELL = re.compile(r'[\d.]+(?: ± [\d.]+)?')   # a value, or a mean ± standard deviation over seeds


def _drop_seeds(rows):
    "The rows without the 'seeds' column, if the table has one (its header row is keyed by 'model')"
    return {k: v[1:] for k, v in rows.items()} if rows.get('model', [''])[:1] == ['seeds'] else rows


def results_table(soup):
    "{row label: cells} of the page's KS table: the <table> whose 'turbo-sim best' and 'floor' rows hold ten numbers (or means ± std)"
    for t in soup.find_all('table'):
        rows = {}
        for tr in t.find_all('tr'):
            cells = [c.get_text(' ', strip=True) for c in tr.find_all(['td', 'th'])]
            if cells: rows[cells[0]] = cells[1:]
        rows = _drop_seeds(rows)
        floor = next((r for r in rows if r.startswith('floor')), None)  # 'floor' or 'floor (truth vs truth)'
        if all(len(rows.get(r, [])) >= 10 and all(KS_CELL.fullmatch(v) for v in rows[r][:10]) for r in ('turbo-sim best', floor)): return rows


def values(cells):
    "The ten KS columns of a row's cells (means, where a cell is mean ± std)"
    return [float(v.split('±')[0]) for v in cells[:10]]


def committed_row(name='turbo-sim best'):
    "The ten KS columns (x 1e-2, means over seeds) of `name` in the committed results/ttbar_ks.md"
    lines = (ROOT/'results'/'ttbar_ks.md').read_text().splitlines()
    rows = _drop_seeds({c[0]: c[1:] for c in ([v.strip() for v in l.strip().strip('|').split('|')] for l in lines if l.startswith('| '))})
    return values(rows[name])


def check_page(processed_nb, site):
    "Problems of the page of `processed_nb` in Chromium (empty list: it shows the results table and a figure); the page"
    from bs4 import BeautifulSoup
    page = to_html(processed_nb, site)
    soup = BeautifulSoup(chromium('--dump-dom', page.as_uri()), 'html.parser')
    problems = []
    table = results_table(soup)
    if table is None: problems.append("no results table (an HTML <table> whose rows 'turbo-sim best' and 'floor' hold the ten KS columns)")
    elif values(table['turbo-sim best']) != committed_row():
        problems.append(f"the 'turbo-sim best' row {table['turbo-sim best'][:10]} is not results/ttbar_ks.md's {committed_row()}")
    widths = [int(i.get('data-natural-width', 0)) for i in soup.find_all('img')]
    if not any(w >= 200 for w in widths): problems.append(f'no figure loaded (<img> widths in the browser: {widths})')
    return problems, page


@pytest.mark.skipif(browser() is None, reason='headless Chromium is not installed (Debian: apt-get install chromium)')
@pytest.mark.parametrize('name', PAGES)
def test_page_shows_results_table_and_figure(processed, tmp_path, name):
    out, errors = processed
    if name in errors: pytest.fail(f'nbdev could not process {name} (see test_nbdev_processes_notebook)')
    problems, page = check_page(out/name, tmp_path/'site')
    shots = {f'{Path(name).stem}_{part}.png': f'{page.as_uri()}#{part}' for part in ('table', 'figure')}
    for shot, url in shots.items(): chromium(f'--screenshot={tmp_path/shot}', url)
    assert not problems, f'{name} in Chromium: {problems} (page {page}, screenshots in {tmp_path})'
    ARTIFACTS.mkdir(exist_ok=True)
    for shot in shots: shutil.copy(tmp_path/shot, ARTIFACTS/shot)  # kept from the last passing run


# ---- the home page's numbers: read from results/, stored as outputs, copied into README.md by tools/make_readme.py

def markdown_outputs(cell):
    "The `text/markdown` of a code cell's outputs"
    return [''.join(o['data']['text/markdown']) for o in cell.get('outputs', []) if 'text/markdown' in o.get('data', {})]


def test_index_outputs_are_the_committed_results():
    "Run index.ipynb as nbdev_test does: its Markdown outputs (the README's tables and numbers) equal the stored ones"
    sys.path.insert(0, str(ROOT/'tools'))
    from run_notebooks import skipped, skip_flags
    from execnb.nbio import read_nb
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    nb = read_nb(NBS/'index.ipynb')
    stored = [markdown_outputs(c) for c in nb.cells]
    assert any(stored), 'index.ipynb has no stored Markdown outputs: run python tools/run_notebooks.py nbs/index.ipynb'
    flags = skip_flags()
    with working_directory(NBS):
        CaptureShell(NBS/'index.ipynb').run_all(nb, exc_stop=True, preproc=lambda c: skipped(c, flags))
    stale = [i for i, c in enumerate(nb.cells) if markdown_outputs(c) != stored[i]]
    assert not stale, (f'index.ipynb cells {stale} show other numbers than results/ gives now: run '
                       'python tools/run_notebooks.py nbs/index.ipynb && python tools/make_readme.py')
